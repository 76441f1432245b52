/**
 * Rows for the expiry and report tests, inserted directly (the authoring and
 * learning use cases are tested on their own): a course version with its
 * modules, an enrollment, module completions, and a certification with the
 * completed enrollment it is granted for.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "../../../db/client";
import { certifications, courseModules, courses, enrollments, moduleCompletions } from "../../../db/schema";
import { unique } from "../../support/factories";

export const DAY = 86_400_000;

export async function createCourse(
  db: Db,
  opts: {
    key?: string;
    title?: string;
    version?: number;
    status?: "draft" | "published" | "superseded" | "retired";
    modules?: number;
    certificationName?: string;
  } = {},
) {
  const key = opts.key ?? unique("course");
  const title = opts.title ?? `Course ${key}`;
  const [course] = await db
    .insert(courses)
    .values({
      key,
      version: opts.version ?? 1,
      status: opts.status ?? "published",
      title,
      summary: `About ${title}.`,
      audience: "technical",
      estimatedMinutes: 45,
      certificationName: opts.certificationName ?? `Certified ${title}`,
      validityMonths: 24,
      publishedAt: opts.status === "draft" ? null : new Date("2024-01-01T00:00:00Z"),
    })
    .returning();
  const modules = [];
  for (let position = 1; position <= (opts.modules ?? 3); position++) {
    const [m] = await db
      .insert(courseModules)
      .values({ courseId: course!.id, position, title: `Module ${position}`, body: `# Module ${position}` })
      .returning();
    modules.push(m!);
  }
  return { ...course!, modules };
}

type CourseRow = Awaited<ReturnType<typeof createCourse>>;

export async function enroll(
  db: Db,
  opts: { partnerId: string; userId: string; course: CourseRow; completed?: number; completedAt?: Date | null },
) {
  const [enrollment] = await db
    .insert(enrollments)
    .values({
      partnerId: opts.partnerId,
      userId: opts.userId,
      courseKey: opts.course.key,
      courseId: opts.course.id,
      completedAt: opts.completedAt ?? null,
    })
    .returning();
  for (const m of opts.course.modules.slice(0, opts.completed ?? 0)) {
    await db
      .insert(moduleCompletions)
      .values({ enrollmentId: enrollment!.id, moduleId: m.id, partnerId: opts.partnerId });
  }
  return enrollment!;
}

export async function certify(
  db: Db,
  opts: {
    partnerId: string;
    userId: string;
    course: CourseRow;
    earnedAt: Date;
    expiresAt: Date;
    status?: "active" | "expired" | "revoked";
    name?: string;
  },
) {
  const enrollment = await enroll(db, {
    partnerId: opts.partnerId,
    userId: opts.userId,
    course: opts.course,
    completed: opts.course.modules.length,
    completedAt: opts.earnedAt,
  });
  const [cert] = await db
    .insert(certifications)
    .values({
      partnerId: opts.partnerId,
      userId: opts.userId,
      courseKey: opts.course.key,
      courseId: opts.course.id,
      enrollmentId: enrollment.id,
      name: opts.name ?? opts.course.certificationName,
      earnedAt: opts.earnedAt,
      expiresAt: opts.expiresAt,
      code: randomBytes(8).toString("hex"),
      status: opts.status ?? "active",
    })
    .returning();
  return cert!;
}
