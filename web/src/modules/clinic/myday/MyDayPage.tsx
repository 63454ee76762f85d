// MyDayPage.tsx - placeholder until the screen is built.
import { Title } from "@mantine/core";

export default function MyDayPage() {
  return <Title order={1}>MyDayPage</Title>;
}
