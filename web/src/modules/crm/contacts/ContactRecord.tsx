// ContactRecord.tsx - the contact record: details, consent, the timeline with its composer,
// deals, data protection actions, and the sections that enabled modules add.
import { Suspense } from "react";
import { Link as RouterLink, useParams } from "react-router";
import { Alert, Anchor, Button, Group, Loader, Skeleton, Stack, Text, Title } from "@mantine/core";
import { useMe } from "../../../app/me";
import { ProblemError, problemMessage } from "../../../lib/problem";
import { modules } from "../..";
import { contactTypesFor, recordPanelsFor } from "../../types";
import { displayName, useContact, useCustomFields, useUsers } from "./data";
import DetailsSection from "./DetailsSection";
import ConsentSection from "./ConsentSection";
import TimelineSection from "./TimelineSection";
import ActivityComposer from "./ActivityComposer";
import DealsSection from "./DealsSection";
import MergeButton from "./MergeDialog";
import { EraseButton, ExportButton } from "./GdprActions";
import PanelBoundary from "./PanelBoundary";
import Section from "./Section";
import Pill, { toneOfType } from "./Pill";
import { t } from "./strings";
import classes from "./ContactRecord.module.css";

export default function ContactRecord() {
  const { id = "" } = useParams();
  const viewer = useMe();
  const record = useContact(id);
  const fields = useCustomFields();
  const users = useUsers(viewer);

  const back = (
    <Anchor component={RouterLink} to="/contacts" size="sm">
      ← {t.back}
    </Anchor>
  );

  if (record.isPending || fields.isPending)
    return (
      <Stack role="status" aria-label={t.loading}>
        {back}
        <Skeleton height={36} width="40%" />
        <Skeleton height={220} />
      </Stack>
    );
  if (record.isError) {
    const gone = record.error instanceof ProblemError && [403, 404, 410].includes(record.error.status);
    return (
      <Stack align="flex-start">
        {back}
        <Alert color={gone ? "blue" : "red"} role="alert" title={gone ? t.notFound : t.recordFailed}>
          {gone ? t.notFoundHint : problemMessage(record.error)}
          {gone && (
            <Text size="xs" c="dimmed" mt={4}>
              {problemMessage(record.error)}
            </Text>
          )}
        </Alert>
        {!gone && <Button onClick={() => void record.refetch()}>{t.retry}</Button>}
      </Stack>
    );
  }

  const { contact } = record.data;
  const name = displayName(contact);
  const canWrite = viewer.can("contacts.write");
  const panels = recordPanelsFor(modules, viewer, contact);

  return (
    <Stack gap="md">
      {back}
      <div className={classes.header}>
        <div className={classes.heading}>
          <Title order={1} size="h2" className={classes.name} title={name}>
            {name}
          </Title>
          <Group gap={6} mt={4}>
            <Pill tone={toneOfType(contact.type)}>{t.typeName(contact.type)}</Pill>
            {contact.tags.map((tg) => (
              <Pill key={tg} outline title={tg}>
                {tg}
              </Pill>
            ))}
          </Group>
        </div>
        <Group gap="xs" className={classes.actions}>
          {canWrite && <MergeButton contact={contact} />}
          {viewer.can("contacts.export") && <ExportButton contact={contact} />}
          {viewer.can("contacts.erase") && <EraseButton contact={contact} />}
        </Group>
      </div>
      {fields.isError && (
        <Alert color="red" role="alert">
          {problemMessage(fields.error)}
        </Alert>
      )}
      <div className={classes.columns}>
        <Stack gap="md" className={classes.side}>
          <DetailsSection
            contact={contact}
            fields={fields.data ?? []}
            users={users.data}
            types={contactTypesFor(modules, viewer)}
            canWrite={canWrite}
            viewerId={viewer.me.id}
          />
          <ConsentSection contact={contact} canWrite={canWrite} />
        </Stack>
        <Stack gap="md" className={classes.main}>
          {panels.map((p) => (
            <Section key={p.id} title={p.title} testId={`panel-${p.id}`}>
              <PanelBoundary>
                <Suspense fallback={<Loader size="sm" role="status" aria-label={t.loading} />}>
                  <p.Component contact={contact} />
                </Suspense>
              </PanelBoundary>
            </Section>
          ))}
          <TimelineSection
            contactId={contact.id}
            composer={viewer.can("activities.write") ? <ActivityComposer contactId={contact.id} /> : undefined}
          />
          {viewer.can("deals.read") && <DealsSection contactId={contact.id} />}
        </Stack>
      </div>
    </Stack>
  );
}
