// DiaryPage.tsx - placeholder until the screen is built.
import { Title } from "@mantine/core";

export default function DiaryPage() {
  return <Title order={1}>DiaryPage</Title>;
}
