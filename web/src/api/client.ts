// client.ts - the typed API client (openapi-fetch over schema.d.ts, generated from the server's
// own OpenAPI document): adds the access token, refreshes once after a 401, tracks the network.
import createClient from "openapi-fetch";
import type { paths } from "./schema";
import { accessToken, refresh } from "../auth/session";
import { setConnectionLost } from "./connection";

async function send(request: Request): Promise<Response> {
  try {
    const res = await fetch(request);
    setConnectionLost(false);
    return res;
  } catch (err) {
    setConnectionLost(true);
    throw err;
  }
}

/** fetch with the bearer token; after a 401 it refreshes once and tries again. */
export async function sessionFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const token = accessToken();
  if (token) input.headers.set("Authorization", `Bearer ${token}`);
  const res = await send(input);
  if (res.status !== 401 || !token) return res;
  if (!(await refresh())) return res;
  retry.headers.set("Authorization", `Bearer ${accessToken() ?? ""}`);
  return send(retry);
}

export const api = createClient<paths>({ baseUrl: "", fetch: sessionFetch });

/** A plain fetch through the session (downloads, exports) for paths the typed client streams. */
export function authedFetch(path: string, init?: RequestInit): Promise<Response> {
  return sessionFetch(new Request(path, init));
}
