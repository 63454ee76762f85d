// problem.ts - RFC 9457 problem+json answers: read them, map their errors to form fields, and
// turn them into thrown errors that TanStack Query and the notification layer understand.
export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export class ProblemError extends Error {
  readonly problem: Problem;
  readonly response: Response | undefined;
  constructor(problem: Problem, response?: Response) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.problem = problem;
    this.response = response;
  }
  get status(): number {
    return this.problem.status;
  }
}

export function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && typeof (value as Problem).status === "number";
}

/** The error of an openapi-fetch result as a ProblemError (a non-problem body still becomes one). */
export function toProblemError(error: unknown, response: Response): ProblemError {
  if (isProblem(error)) return new ProblemError(error, response);
  return new ProblemError({ status: response.status, title: response.statusText || "Request failed" }, response);
}

/** Unwraps an openapi-fetch result: the data, or a thrown ProblemError. */
export function must<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) throw toProblemError(result.error, result.response);
  return result.data as T;
}

/** errors[] keyed by field name, for form inputs' error props. */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ProblemError)
    for (const e of err.problem.errors ?? []) if (!(e.field in out)) out[e.field] = e.message;
  return out;
}

/** The sentence to show for an error that no field claims. */
export function problemMessage(err: unknown): string {
  if (err instanceof ProblemError) return err.problem.detail ?? err.problem.title ?? `Error ${err.status}`;
  if (err instanceof TypeError) return "The server cannot be reached. Check the connection and try again.";
  return err instanceof Error ? err.message : String(err);
}
