import type { DocumentedSample } from "./documented.ts";

const docs = "https://docs.aws.amazon.com/mediaconnect/latest/ug";

export const mediaConnectFlowStatusChangeSample: DocumentedSample = {
  page: `${docs}/monitoring-cloudwatch-events-flow-state-change.html`,
  text: String.raw`{
  "version": "0",
  "id": "01234567-0123-0123-0123-0123456789ab",
  "detail-type": "MediaConnect Flow Status Change",
  "source": "aws.mediaconnect",
  "account": "012345678901",
  "time": "2026-05-03T18:37:24Z",
  "region": "us-east-1",
  "resources": [
    "arn:aws:mediaconnect:us-east-1:012345678901:flow:1-AbCdEfGhIjKlMnOp-abcdef123455:ExampleFlow"
  ],
  "detail": {
    "currentStatus": "STARTING",
    "previousStatus": "STANDBY"
  }
}`,
};

export const mediaConnectSourceHealthSample: DocumentedSample = {
  page: `${docs}/monitoring-cloudwatch-events-source-health.html`,
  text: String.raw`{
  "version": "0",
  "id": "01234567-0123-0123-0123-0123456789ab",
  "detail-type": "MediaConnect Source Health",
  "source": "aws.mediaconnect",
  "account": "012345678901",
  "time": "2006-01-02T15:04:05Z",
  "region": "us-east-1",
  "resources": [
    "arn:aws:mediaconnect:us-east-1:012345678901:flow:1-AbCdEfGhIjKlMnOp-abcdef123455:ExampleFlow",
    "arn:aws:mediaconnect:us-east-1:012345678901:source:1-AbCdEfGhIjKlMnOp-abcdef123455:ExampleSource"
  ],
  "detail": {
    "unhealthy": true,
    "current": {
      "state": "CONNECTED",
      "tr101": {
        "ts_sync_loss": false,
        "continuity_count_error": true,
        "transport_error": true,
        "pcr_error": true
      }
    },
    "previous": {
      "state": "CONNECTED",
      "tr101": {
        "ts_sync_loss": false,
        "continuity_count_error": false,
        "transport_error": false,
        "pcr_error": false
      }
    }
  }
}`,
};

export const mediaConnectFlowHealthSample: DocumentedSample = {
  page: `${docs}/monitoring-cloudwatch-events-flow-health.html`,
  text: String.raw`{
  "version": "0",
  "id": "01234567-0123-0123-0123-0123456789ab",
  "detail-type": "MediaConnect Flow Health",
  "source": "aws.mediaconnect",
  "account": "012345678901",
  "time": "2006-01-02T15:04:05Z",
  "region": "us-east-1",
  "resources": [
    "arn:aws:mediaconnect:us-east-1:012345678901:flow:1-AbCdEfGhIjKlMnOp-abcdef123455:ExampleFlow"
  ],
  "detail": {
    "unhealthy": true,
    "current": {
      "failover_switch": false,
      "source_state": "CONNECTED",
      "tr101": {
        "ts_sync_loss": false,
        "continuity_count_error": true,
        "transport_error": true,
        "pcr_error": true
      }
    },
    "previous": {
      "failover_switch": false,
      "source_state": "CONNECTED",
      "tr101": {
        "ts_sync_loss": false,
        "continuity_count_error": false,
        "transport_error": false,
        "pcr_error": false
      }
    }
  }
}`,
};

export const mediaConnectAlertSample: DocumentedSample = {
  page: `${docs}/monitoring-cloudwatch-events-alert.html`,
  text: String.raw`{
  "version": "0",
  "id": "01234567-0123-0123-0123-0123456789ab",
  "detail-type": "MediaConnect Alert",
  "source": "aws.mediaconnect",
  "account": "012345678901",
  "time": "2026-05-03T18:37:24Z",
  "region": "us-east-1",
  "resources": [
    "arn:aws:mediaconnect:us-east-1:012345678901:flow:1-AbCdEfGhIjKlMnOp-abcdef123455:ExampleFlow"
  ],
  "detail": {
    "errored": true,
    "error-code": "AccessDeniedException",
    "error-message": "Permission denied accessing encryption key for output Test. Removing output until it is fixed (secret arn:aws:secretsmanager:us-east-1:012345678901:secret:ExampleSecret, role arn:aws:iam::012345678901:role/ExampleKey)"
  }
}`,
};
