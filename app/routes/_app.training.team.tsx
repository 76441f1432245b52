import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { EmptyState, formatDate } from "~/components/ui";
import { cellText, teamMatrix, type MatrixCell } from "~/modules/training/reports.server";
import { roleLabels } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Team training · Channel Partner Portal" }];

/** The partner admin's matrix: the company's people × the published courses. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "training:team", context.ip);
  const matrix = await teamMatrix(ctx);
  return {
    courses: matrix.courses,
    rows: matrix.rows.map((r) => ({ ...r, cells: r.cells.map((c) => ({ cell: c, text: cellText(c) })) })),
  };
}

type Cell = { cell: MatrixCell; text: string };

function CellView({ cell, text }: Cell) {
  switch (cell.state) {
    case "not_started":
      return <span className="muted">Not started</span>;
    case "in_progress":
      return (
        <>
          <span>In progress</span>{" "}
          <progress value={cell.percent} max={100} aria-label={text}>
            {cell.percent}%
          </progress>{" "}
          <span>{cell.percent}%</span>
          {cell.expiredOn ? <div className="muted">expired on {formatDate(cell.expiredOn)}</div> : null}
        </>
      );
    case "certified":
      return (
        <>
          <span className="badge good">Certified</span> until {formatDate(cell.until)}
          {cell.warning ? (
            <div>
              <span className="badge gold">{cell.warning}</span>
            </div>
          ) : null}
        </>
      );
    case "expired":
      return (
        <>
          <span className="badge bad">Expired</span> on {formatDate(cell.on)}
        </>
      );
  }
}

export default function TeamTraining() {
  const { courses, rows } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Team training</h1>
      <p className="muted">
        Who in your company has started, finished or let lapse each course. Certifications expiring within 60 days are
        flagged.
      </p>
      {courses.length === 0 ? (
        <EmptyState title="No courses are published yet">
          <p>
            The <Link to="/training">training catalog</Link> lists the courses as soon as they are published.
          </p>
        </EmptyState>
      ) : (
        <>
          <div className="actions" style={{ justifyContent: "flex-end", marginBottom: "0.75rem" }}>
            <a href="/training/team.csv" download>
              Export as CSV
            </a>
          </div>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Person</th>
                  {courses.map((c) => (
                    <th key={c.key} scope="col">
                      {c.title}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.userId}>
                    <th scope="row" style={{ fontWeight: 400, textAlign: "left" }}>
                      {r.name}
                      <div className="muted">
                        {r.email} · {roleLabels[r.role]}
                      </div>
                    </th>
                    {r.cells.map((c, i) => (
                      <td key={courses[i]!.key} data-state={c.cell.state} title={c.text}>
                        <CellView {...c} />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
