// LoadFailed.tsx - what a section shows when its data could not be read: the problem's words
// and a button to ask again.
import { Alert, Button, Group, Text } from "@mantine/core";
import { problemMessage } from "./problem";

export default function LoadFailed({ title, error, retry, onRetry }: {
  title: string;
  error: unknown;
  retry: string; // the button's label
  onRetry: () => void;
}) {
  return (
    <Alert color="red" role="alert" title={title}>
      <Group justify="space-between">
        <Text size="sm">{problemMessage(error)}</Text>
        <Button size="xs" variant="light" color="red" onClick={onRetry}>
          {retry}
        </Button>
      </Group>
    </Alert>
  );
}
