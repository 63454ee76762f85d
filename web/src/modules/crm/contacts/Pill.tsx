// Pill.tsx - a small label (a contact's type, a tag, a timeline kind) in colours that keep WCAG AA
// contrast; Mantine's light and outline badges are a shade too pale under the static theme.
import type { ReactNode } from "react";
import classes from "./Pill.module.css";

export type Tone = "teal" | "grape" | "blue" | "gray" | "green" | "red";

export function toneOfType(type: string): Tone {
  return type === "lead" ? "grape" : type === "customer" ? "blue" : "teal"; // a module's type: teal
}

export default function Pill({ tone = "gray", outline, children, title }: {
  tone?: Tone;
  outline?: boolean;
  children: ReactNode;
  title?: string;
}) {
  return (
    <span className={classes.pill} data-tone={tone} data-outline={outline || undefined} title={title}>
      {children}
    </span>
  );
}
