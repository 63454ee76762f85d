// ContactRecord.tsx - placeholder until the screen is built.
import { Title } from "@mantine/core";

export default function ContactRecord() {
  return <Title order={1}>ContactRecord</Title>;
}
