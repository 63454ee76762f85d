// AppointmentsPanel.tsx - placeholder until the patient's appointments section is built.
import { Text } from "@mantine/core";
import type { Contact } from "../../types";

export default function AppointmentsPanel({ contact }: { contact: Contact }) {
  return <Text>Appointments of {contact.id}</Text>;
}
