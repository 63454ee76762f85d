// TimelineSection.tsx - the contact's timeline (deals, stage changes, activities and the entries
// of enabled modules), newest first, paged over the API's cursor; unknown kinds still show.
import { useInfiniteQuery } from "@tanstack/react-query";
import { Alert, Button, Group, Skeleton, Stack, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { api } from "../../../api/client";
import { must, problemMessage } from "../../../lib/problem";
import { formatDateTime } from "../../../lib/format";
import { keys } from "./data";
import Section from "./Section";
import Pill from "./Pill";
import { t } from "./strings";
import classes from "./ContactRecord.module.css";

const PAGE = 20;

interface Entry {
  kind: string;
  occurred_at: string;
  id: string;
  summary: Record<string, unknown>;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const str = (v: unknown) => (typeof v === "string" ? v : v === null || v === undefined ? "" : String(v));

function describe(e: Entry): { label: string; text: string; extra?: string } {
  const s = e.summary;
  switch (e.kind) {
    case "activity": {
      const kind = t.activityKinds[str(s.type)] ?? str(s.type);
      const extra = s.completed_at ? t.completed : s.due_at ? t.dueOn(formatDateTime(str(s.due_at))) : undefined;
      return { label: kind, text: str(s.subject), extra };
    }
    case "deal":
      return { label: t.kindLabel.deal!, text: t.dealEntry(str(s.title), t.dealStatus[str(s.status)] ?? str(s.status)) };
    case "stage_change":
      return { label: t.kindLabel.stage_change!, text: t.stageEntry(str(s.deal_title), str(s.from_stage), str(s.to_stage)) };
    default: {
      // a module's entry (the core knows none): its kind and its plain values
      const text = Object.entries(s)
        .filter(([, v]) => v !== null && typeof v !== "object")
        .map(([k, v]) => `${k.replace(/_/g, " ")}: ${ISO_TIME.test(str(v)) ? formatDateTime(str(v)) : str(v).replace(/_/g, " ")}`)
        .join(" · ");
      const kind = e.kind.replace(/_/g, " ");
      return { label: t.kindLabel[e.kind] ?? kind.charAt(0).toUpperCase() + kind.slice(1), text };
    }
  }
}

export default function TimelineSection({ contactId, composer }: { contactId: string; composer?: ReactNode }) {
  const timeline = useInfiniteQuery({
    queryKey: keys.timeline(contactId),
    initialPageParam: undefined as string | undefined,
    staleTime: 60_000,
    queryFn: async ({ pageParam }) =>
      must(
        await api.GET("/api/v1/contacts/{id}/timeline", {
          params: { path: { id: contactId }, query: { limit: PAGE, cursor: pageParam } },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const entries = (timeline.data?.pages.flatMap((p) => p.data) ?? []) as Entry[];

  return (
    <Section title={t.timeline} testId="timeline">
      <Stack gap="sm">
        {composer}
        {timeline.isError && (
          <Alert color="red" role="alert" title={t.timelineFailed}>
            {problemMessage(timeline.error)}
          </Alert>
        )}
        {timeline.isPending ? (
          <Stack gap="xs" role="status" aria-label={t.loading}>
            <Skeleton height={36} />
            <Skeleton height={36} />
          </Stack>
        ) : entries.length === 0 && !timeline.isError ? (
          <Text c="dimmed" size="sm">
            {t.timelineEmpty}
          </Text>
        ) : (
          <ol className={classes.timeline}>
            {entries.map((e) => {
              const d = describe(e);
              return (
                <li key={`${e.kind}-${e.id}`} className={classes.entry}>
                  <Group gap="xs" wrap="nowrap" align="baseline">
                    <span className={classes.kind}>
                      <Pill tone={e.kind === "activity" ? "blue" : e.kind === "deal" || e.kind === "stage_change" ? "grape" : "teal"}>{d.label}</Pill>
                    </span>
                    <Text size="sm" className={classes.entryText}>
                      {d.text}
                      {d.extra && (
                        <Text span size="xs" c="dimmed">
                          {" "}
                          · {d.extra}
                        </Text>
                      )}
                    </Text>
                  </Group>
                  <Text size="xs" c="dimmed" component="time" dateTime={e.occurred_at} className={classes.when}>
                    {formatDateTime(e.occurred_at)}
                  </Text>
                </li>
              );
            })}
          </ol>
        )}
        {timeline.hasNextPage && (
          <Button variant="subtle" size="xs" onClick={() => void timeline.fetchNextPage()} loading={timeline.isFetchingNextPage}>
            {t.older}
          </Button>
        )}
      </Stack>
    </Section>
  );
}
