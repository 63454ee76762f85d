// PanelBoundary.tsx - keeps a module's record section from taking the whole record down with it.
import { Component, type ReactNode } from "react";
import { Alert } from "@mantine/core";
import { t } from "./strings";

export default class PanelBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  render() {
    if (this.state.failed) return <Alert color="red" role="alert">{t.panelFailed}</Alert>;
    return this.props.children;
  }
}
