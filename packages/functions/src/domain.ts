import {
  type documentClient,
  DynamoAccountRepository,
  DynamoChannelRepository,
  DynamoMediaRepository,
  DynamoRecordingRepository,
  DynamoSwitcherRepository,
} from "@visionstream/aws";
import {
  ACCOUNT_CACHE_TTL_MS,
  type AccountInfrastructure,
  type AccountRepository,
  Accounts,
  Broadcasts,
  CachedAccountRepository,
  Channels,
  type EventPublisher,
  type Ladder,
  type LiveEngine,
  MediaLibrary,
  type ObjectStore,
  type PlaybackSigner,
  Recordings,
  type SwitcherEngine,
  type SwitcherRepository,
  Switchers,
  type SwitchScheduler,
  type UploadSigner,
  type VodAssembler,
} from "@visionstream/core";

/** The services a runtime stands the domain on: AWS's, or their twins on one machine. */
export interface RuntimeAdapters {
  publisher: EventPublisher;
  infrastructure: AccountInfrastructure;
  signer: PlaybackSigner;
  engine: LiveEngine;
  assembler: VodAssembler;
  store: ObjectStore;
  uploads: UploadSigner;
  switcherEngine: SwitcherEngine;
  scheduler: SwitchScheduler;
}

/** The repositories some adapters read (the account's signing key, a switcher's architecture). */
export interface SharedRepositories {
  accounts: AccountRepository;
  switchers: SwitcherRepository;
}

export interface DomainOptions {
  idleStopAfterMs?: number;
  ladder?: Ladder;
  /** The broadcast tokens' key, where browser broadcasts are taken (the API and the WHIP gateway). */
  broadcastSecret?: () => Promise<Buffer>;
}

/** The domain over the one DynamoDB table, wired the same way in AWS and on one machine. */
export function domain(
  documents: ReturnType<typeof documentClient>,
  table: string,
  adaptersFor: (repositories: SharedRepositories) => RuntimeAdapters,
  options: DomainOptions = {},
) {
  const repository = new CachedAccountRepository(new DynamoAccountRepository(documents, table), { ttlMs: ACCOUNT_CACHE_TTL_MS });
  const channelRepository = new DynamoChannelRepository(documents, table);
  const switcherRepository = new DynamoSwitcherRepository(documents, table);
  const adapters = adaptersFor({ accounts: repository, switchers: switcherRepository });
  const { publisher, signer, store } = adapters;
  const ladder = options.ladder ? { ladder: options.ladder } : {};
  const channels = Channels({
    channels: channelRepository,
    accounts: repository,
    engine: adapters.engine,
    signer,
    publisher,
    ...(options.idleStopAfterMs !== undefined ? { idleStopAfterMs: options.idleStopAfterMs } : {}),
  });
  const switchers = Switchers({
    switchers: switcherRepository,
    accounts: repository,
    engine: adapters.switcherEngine,
    scheduler: adapters.scheduler,
    publisher,
    signer,
    store,
  });
  return {
    repository,
    accounts: Accounts({ repository, publisher, infrastructure: adapters.infrastructure, channels, switchers }),
    channels,
    recordings: Recordings({
      recordings: new DynamoRecordingRepository(documents, table),
      channels: channelRepository,
      accounts: repository,
      assembler: adapters.assembler,
      store,
      signer,
      ...ladder,
    }),
    media: MediaLibrary({ media: new DynamoMediaRepository(documents, table), accounts: repository, store, uploads: adapters.uploads, signer }),
    switchers,
    broadcasts: options.broadcastSecret ? Broadcasts({ channels: channelRepository, accounts: repository, secret: options.broadcastSecret }) : undefined,
  };
}
