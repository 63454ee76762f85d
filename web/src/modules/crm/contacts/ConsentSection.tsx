// ConsentSection.tsx - the contact's consents as switches: each change is a PATCH with If-Match
// of its own, and when it was last changed is shown beside it.
import { Stack, Switch, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { problemMessage } from "../../../lib/problem";
import { formatDateTime } from "../../../lib/format";
import type { Contact } from "./data";
import { isStale, usePatchContact } from "./usePatchContact";
import Section from "./Section";
import { t } from "./strings";

const KINDS = ["email_reminders", "sms_reminders", "email_marketing", "sms_marketing"] as const;

export default function ConsentSection({ contact, canWrite }: { contact: Contact; canWrite: boolean }) {
  const patch = usePatchContact(contact.id);
  const since = contact.consent_updated_at as Record<string, string | undefined>;
  return (
    <Section title={t.consent}>
      <Stack gap="sm">
        {KINDS.map((k) => (
          <div key={k}>
            <Switch
              label={t.consentKinds[k]}
              checked={contact.consent[k] === true}
              disabled={!canWrite || patch.isPending}
              onChange={(e) =>
                patch.mutate(
                  { consent: { [k]: e.currentTarget.checked } },
                  {
                    onSuccess: () => notifications.show({ color: "green", message: t.consentSaved }),
                    onError: (err) => {
                      if (!isStale(err)) notifications.show({ color: "red", title: t.consent, message: problemMessage(err) });
                    },
                  },
                )
              }
            />
            {since[k] && (
              <Text size="xs" c="dimmed" ml={54}>
                {t.consentSince(formatDateTime(since[k]))}
              </Text>
            )}
          </div>
        ))}
      </Stack>
    </Section>
  );
}
