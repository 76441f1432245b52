import { isRouteErrorResponse, Link, useParams, useRouteError } from "@remix-run/react";

/**
 * The learner pages' error boundary: a refused step (a module opened out of
 * order, not enrolled yet) or a missing page is explained inside the portal's
 * layout, with the way back to the course.
 */
export function TrainingErrorBoundary() {
  const error = useRouteError();
  const { courseKey } = useParams();
  const known = isRouteErrorResponse(error);
  const status = known ? error.status : 500;
  const title =
    status === 404
      ? "Not found"
      : status === 403
        ? "Not allowed"
        : status === 409 || status === 422
          ? "Not yet"
          : "Something went wrong";
  const message =
    status === 404
      ? "This page does not exist, or it is not yours to see."
      : known && typeof error.data === "string" && error.data
        ? error.data
        : "An unexpected error happened. It has been logged; please try again.";
  return (
    <>
      <h1>{title}</h1>
      <p className={status === 422 || status === 409 ? "notice warn" : "form-error"} role="alert">
        {message}
      </p>
      <p>
        {courseKey && status !== 404 ? (
          <Link to={`/training/learn/${encodeURIComponent(courseKey)}`}>Back to the course</Link>
        ) : (
          <Link to="/training">Back to training</Link>
        )}
      </p>
    </>
  );
}
