// SignInPage.tsx - the sign-in form: tenant (remembered), email, password; says clearly why a
// sign-in failed, and returns to the page the user was on.
import { useEffect, useState, type FormEvent } from "react";
import { useLocation, useNavigate } from "react-router";
import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { signIn, useSession } from "../../auth/session";
import type { Problem } from "../../lib/problem";
import { t } from "./strings";

const TENANT_KEY = "crm.tenant"; // the slug only: never a token
const FORM_FIELDS = ["tenant", "email", "password"];

/** Seconds from a Retry-After header (delta-seconds or an HTTP date); 60 when absent. */
function retryAfter(res: Response): number {
  const h = res.headers.get("Retry-After") ?? "";
  const n = Number(h);
  if (h && Number.isFinite(n)) return Math.max(1, Math.ceil(n));
  const at = Date.parse(h);
  return Number.isNaN(at) ? 60 : Math.max(1, Math.ceil((at - Date.now()) / 1000));
}

function messageFor(res: Response, problem: Problem | undefined): string {
  // a suspended tenant answers 401 like a wrong password: the server does not tell strangers
  // which tenants exist or are suspended, so the message names both
  if (res.status === 401) return t.badCredentials;
  if (res.status === 403) return problem?.detail?.includes("suspend") ? t.suspended : (problem?.detail ?? t.suspended);
  if (res.status >= 500) return t.serverError;
  return problem?.detail ?? t.serverError;
}

export default function SignInPage() {
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from ?? "/";
  const [tenant, setTenant] = useState(() => localStorage.getItem(TENANT_KEY) ?? "");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [waitUntil, setWaitUntil] = useState<number | undefined>(); // throttled until (ms)
  const [now, setNow] = useState(() => Date.now());

  // the throttling message counts down, and the button waits with it
  useEffect(() => {
    if (waitUntil === undefined) return;
    const tick = setInterval(() => {
      const at = Date.now();
      setNow(at);
      if (at >= waitUntil) setWaitUntil(undefined);
    }, 1000);
    return () => clearInterval(tick);
  }, [waitUntil]);
  const waitSeconds = waitUntil === undefined ? 0 : Math.max(1, Math.ceil((waitUntil - now) / 1000));

  useEffect(() => {
    if (session.status === "signed-in") navigate(from, { replace: true });
  }, [session.status, from, navigate]);

  const notice =
    session.status === "signed-out" && session.reason === "expired"
      ? t.expired
      : session.status === "signed-out" && session.reason === "signed-out-elsewhere"
        ? t.elsewhere
        : undefined;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const missing: Record<string, string> = {};
    if (!tenant.trim()) missing.tenant = t.required;
    if (!email.trim()) missing.email = t.required;
    if (!password) missing.password = t.required;
    setFields(missing);
    setError(undefined);
    if (Object.keys(missing).length || waitUntil !== undefined) return;
    setBusy(true);
    try {
      const res = await signIn(tenant.trim(), email.trim(), password);
      if (res.ok) {
        localStorage.setItem(TENANT_KEY, tenant.trim());
        return; // the effect above navigates
      }
      let problem: Problem | undefined;
      try {
        problem = (await res.json()) as Problem;
      } catch {
        problem = undefined;
      }
      if (res.status === 429) {
        const at = Date.now();
        setNow(at);
        setWaitUntil(at + retryAfter(res) * 1000);
      } else if (res.status === 400 || res.status === 422) {
        const byField: Record<string, string> = {};
        let unclaimed = !problem?.errors?.length;
        for (const fe of problem?.errors ?? []) {
          if (FORM_FIELDS.includes(fe.field)) byField[fe.field] = fe.message;
          else unclaimed = true;
        }
        setFields(byField);
        if (unclaimed) setError(problem?.detail ?? t.serverError);
      } else {
        setError(messageFor(res, problem));
      }
    } catch {
      setError(t.offline);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Center mih="100vh" p="md" bg="gray.0" component="main">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={400}>
        <form onSubmit={submit} noValidate aria-labelledby="sign-in-title">
          <Stack>
            <div>
              <Title order={1} id="sign-in-title" size="h2">
                {t.title}
              </Title>
              <Text c="dimmed" size="sm">
                {t.subtitle}
              </Text>
            </div>
            {notice && !error && waitUntil === undefined && (
              <Alert color="blue" role="status" data-testid="sign-in-notice">
                {notice}
              </Alert>
            )}
            {(error || waitUntil !== undefined) && (
              <Alert color="red" role="alert" data-testid="sign-in-error">
                {waitUntil !== undefined ? t.throttled(waitSeconds) : error}
              </Alert>
            )}
            <TextInput
              label={t.tenantLabel}
              description={t.tenantHint}
              name="tenant"
              autoComplete="organization"
              value={tenant}
              onChange={(e) => setTenant(e.currentTarget.value)}
              error={fields.tenant}
              required
            />
            <TextInput
              label={t.email}
              name="email"
              type="email"
              autoComplete="username"
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              error={fields.email}
              required
              autoFocus={!!tenant}
            />
            <PasswordInput
              label={t.password}
              name="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={fields.password}
              required
            />
            <Button type="submit" loading={busy} disabled={waitUntil !== undefined} fullWidth>
              {t.submit}
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
