// DealsSection.tsx - the contact's deals, read-only, for roles that see deals.
import { useQuery } from "@tanstack/react-query";
import { Alert, Group, Skeleton, Stack, Text } from "@mantine/core";
import { api } from "../../../api/client";
import { must, problemMessage } from "../../../lib/problem";
import { formatBirthDate, formatMoney } from "../../../lib/format";
import { keys } from "./data";
import Section from "./Section";
import Pill from "./Pill";
import { t } from "./strings";
import classes from "./ContactRecord.module.css";

function amount(minor: number | null | undefined, currency: string | null | undefined): string {
  if (minor === null || minor === undefined) return "";
  if (!currency || currency === "GBP") return formatMoney(minor / 100);
  return `${(minor / 100).toFixed(2)} ${currency}`;
}

export default function DealsSection({ contactId }: { contactId: string }) {
  const deals = useQuery({
    queryKey: keys.deals(contactId),
    staleTime: 60_000,
    queryFn: async () =>
      must(await api.GET("/api/v1/deals", { params: { query: { contact_id: contactId, limit: 50 } } })).data,
  });
  return (
    <Section title={t.deals} testId="deals">
      {deals.isPending ? (
        <Skeleton height={36} />
      ) : deals.isError ? (
        <Alert color="red" role="alert">
          {problemMessage(deals.error)}
        </Alert>
      ) : deals.data.length === 0 ? (
        <Text c="dimmed" size="sm">
          {t.dealsEmpty}
        </Text>
      ) : (
        <Stack gap="xs" component="ul" className={classes.plainList}>
          {deals.data.map((d) => (
            <li key={d.id}>
              <Group justify="space-between" wrap="nowrap" gap="xs">
                <Text size="sm" fw={500} truncate>
                  {d.title}
                </Text>
                <Pill tone={d.status === "won" ? "green" : d.status === "lost" ? "gray" : "blue"}>
                  {t.dealStatus[d.status] ?? d.status}
                </Pill>
              </Group>
              <Text size="xs" c="dimmed">
                {[amount(d.amount_minor, d.currency), d.expected_close_date ? t.closeBy(formatBirthDate(d.expected_close_date)) : ""]
                  .filter(Boolean)
                  .join(" · ")}
              </Text>
            </li>
          ))}
        </Stack>
      )}
    </Section>
  );
}
