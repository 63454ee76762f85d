// Shell.tsx - the signed-in frame: navigation built from the viewer's permissions and enabled
// modules, the user's name and role, sign-out, global search and the lost-connection banner.
import { Suspense, useEffect } from "react";
import { NavLink as RouterLink, Navigate, Outlet, matchPath, useLocation } from "react-router";
import { Alert, Burger, Button, Center, Group, Loader, Menu, NavLink, Stack, Text, Title, UnstyledButton } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useSession, signOut } from "../../auth/session";
import { setConnectionLost, useConnectionLost } from "../../api/connection";
import { useQueryClient } from "@tanstack/react-query";
import { ViewerContext, useViewer, type Viewer } from "../me";
import { modules } from "../../modules";
import { moduleOn, type NavEntry } from "../../modules/types";
import { setTenantZone } from "../../lib/format";
import { problemMessage } from "../../lib/problem";
import SearchBox from "./SearchBox";
import NavIcon from "./NavIcon";
import { t } from "./strings";
import classes from "./Shell.module.css";

export function navFor(viewer: Viewer): NavEntry[] {
  return modules
    .filter((m) => moduleOn(viewer, m.name))
    .flatMap((m) => m.nav)
    .filter((n) => (!n.permission || viewer.can(n.permission)) && (!n.when || n.when(viewer)))
    .sort((a, b) => a.order - b.order);
}

/** Whether the page at this path belongs to a module that is off for this viewer's tenant
 * (its routes exist in the app for every tenant; its screens only where it is on). */
export function offModulePage(viewer: Viewer, pathname: string): boolean {
  const owner = modules.find((m) =>
    m.routes.some((r) => r.path && matchPath({ path: `/${r.path}`, end: true }, pathname)),
  );
  return !!owner && !moduleOn(viewer, owner.name);
}

export function homeFor(viewer: Viewer): string {
  const homes = modules
    .filter((m) => moduleOn(viewer, m.name) && m.home && viewer.can(m.home.permission))
    .map((m) => m.home!)
    .sort((a, b) => b.priority - a.priority);
  return homes[0]?.path ?? "/contacts";
}

const PROBE_MS = 5_000; // how often a lost connection is tried again

/** Raises the banner when the browser goes offline; while it is up, asks the server every few
 * seconds (and at once when the browser is back online) until it answers. */
function useConnectionWatch(lost: boolean) {
  useEffect(() => {
    const down = () => setConnectionLost(true);
    window.addEventListener("offline", down);
    return () => window.removeEventListener("offline", down);
  }, []);
  useEffect(() => {
    if (!lost) return;
    let stopped = false;
    const probe = async () => {
      try {
        await fetch("/healthz", { cache: "no-store" });
        if (!stopped) setConnectionLost(false);
      } catch {
        // still down: the next tick tries again
      }
    };
    const tick = setInterval(() => void probe(), PROBE_MS);
    const up = () => void probe();
    window.addEventListener("online", up);
    return () => {
      stopped = true;
      clearInterval(tick);
      window.removeEventListener("online", up);
    };
  }, [lost]);
}

function Loading() {
  return (
    <Center h="60vh">
      <Loader role="status" aria-label={t.loading} />
    </Center>
  );
}

export default function Shell() {
  const session = useSession();
  const location = useLocation();
  const { viewer, error, isLoading } = useViewer();
  const lost = useConnectionLost();
  const [opened, { toggle, close }] = useDisclosure();
  const queryClient = useQueryClient();
  useConnectionWatch(lost);

  // what one user's session read is not left for the next one to see
  useEffect(() => {
    if (session.status === "signed-out") queryClient.clear();
  }, [session.status, queryClient]);

  useEffect(close, [location.pathname, close]);
  useEffect(() => {
    setTenantZone(viewer?.me.tenant.time_zone);
  }, [viewer]);

  if (session.status === "unknown") return <Loading />;
  if (session.status === "signed-out")
    return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  if (isLoading || !viewer) {
    if (error)
      return (
        <Center h="60vh">
          <Stack align="center">
            <Text>{t.loadFailed}</Text>
            <Text c="dimmed" size="sm">{problemMessage(error)}</Text>
            <Button onClick={() => window.location.reload()}>{t.retry}</Button>
          </Stack>
        </Center>
      );
    return <Loading />;
  }

  const nav = navFor(viewer);
  return (
    <ViewerContext.Provider value={viewer}>
      <div className={classes.frame} data-nav-open={opened || undefined}>
        <header className={classes.header}>
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t.menu} />
            <Text fw={700} visibleFrom="xs" component="span">
              {viewer.me.tenant.name}
            </Text>
          </Group>
          <SearchBox />
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <UnstyledButton aria-label={`${viewer.me.full_name}, ${t.role(viewer.me.role)}`} data-testid="user-menu">
                <Stack gap={0} align="flex-end">
                  <Text size="sm" fw={500} truncate maw={180}>
                    {viewer.me.full_name}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {t.role(viewer.me.role)}
                  </Text>
                </Stack>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>{viewer.me.email}</Menu.Label>
              <Menu.Item onClick={() => void signOut()}>{t.signOut}</Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </header>
        <nav className={classes.nav} aria-label={t.navLabel}>
          {nav.map((n) => (
            <NavLink
              key={n.to}
              component={RouterLink}
              to={n.to}
              label={n.label}
              leftSection={n.icon ? <NavIcon name={n.icon} /> : undefined}
            />
          ))}
        </nav>
        <main className={classes.main}>
          {lost && (
            <Alert color="orange" mb="md" role="status" data-testid="connection-lost">
              {t.connectionLost}
            </Alert>
          )}
          <Suspense fallback={<Loading />}>
            {offModulePage(viewer, location.pathname) ? <NotFound /> : <Outlet />}
          </Suspense>
        </main>
      </div>
    </ViewerContext.Provider>
  );
}

/** The index route: the viewer's start page. */
export function Home() {
  const { viewer } = useViewer();
  if (!viewer) return <Loading />;
  return <Navigate to={homeFor(viewer)} replace />;
}

export function NotFound() {
  return (
    <Stack align="flex-start">
      <Title order={1} size="h2">
        {t.notFoundTitle}
      </Title>
      <Text>{t.notFound}</Text>
      <Button component={RouterLink} to="/" variant="light">
        {t.home}
      </Button>
    </Stack>
  );
}
