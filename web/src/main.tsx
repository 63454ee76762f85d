// main.tsx - the entry point: styles, then the app once the session is restored from its cookie.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "@mantine/core/styles.css";
import "@mantine/dates/styles.css";
import "@mantine/notifications/styles.css";
import "./app/global.css";
import App from "./app/App";
import { refresh } from "./auth/session";

void refresh(); // a reload keeps the session: the HttpOnly cookie gives a new access token

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
