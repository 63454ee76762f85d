// App.tsx - providers (Mantine, TanStack Query, notifications) and the routes: sign-in
// outside the shell, every module's screens inside it.
import { MantineProvider, createTheme } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { DatesProvider } from "@mantine/dates";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { BrowserRouter, useRoutes, type RouteObject } from "react-router";
import Shell, { Home, NotFound } from "./shell/Shell";
import SignInPage from "../screens/signin/SignInPage";
import { modules } from "../modules";
import { ProblemError } from "../lib/problem";
import "dayjs/locale/en-gb";

const theme = createTheme({ primaryColor: "blue", defaultRadius: "sm" });

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // a 4xx answer will not change by asking again; a lost connection will
      retry: (count, err) => !(err instanceof ProblemError && err.status < 500) && count < 3,
      refetchOnWindowFocus: false,
    },
  },
});

// the declarative router: the app uses no loaders or actions, and the data router would
// add about 10 KB gzipped to every first load
const routes: RouteObject[] = [
  { path: "/sign-in", Component: SignInPage },
  {
    path: "/",
    Component: Shell,
    children: [{ index: true, Component: Home }, ...modules.flatMap((m) => m.routes), { path: "*", Component: NotFound }],
  },
 ];

function Routes() {
  return useRoutes(routes);
}

export default function App() {
  return (
    <MantineProvider theme={theme} withCssVariables={false} withGlobalClasses={false}>
      <DatesProvider settings={{ locale: "en-gb", firstDayOfWeek: 1 }}>
        <QueryClientProvider client={queryClient}>
            <Notifications position="top-right" />
            <BrowserRouter>
              <Routes />
            </BrowserRouter>
        </QueryClientProvider>
      </DatesProvider>
    </MantineProvider>
  );
}
