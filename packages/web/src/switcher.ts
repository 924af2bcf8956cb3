import { apiOriginOf, type ApiFailure, asApiFailure, switcherApi } from "./switcher-api.ts";
import {
  type Bus,
  describeEvent,
  describeApplyState,
  describeWarnings,
  type Failure,
  formatBitrate,
  formatClock,
  formatKeyframeAge,
  healthLevel,
  type IngestView,
  type SwitchEvent,
  type SwitcherView,
  type SwitchMode,
} from "./switcher-model.ts";
import { Monitor, type MonitorStatus } from "./switcher-monitor.ts";
import { ScheduleEditor } from "./switcher-schedule.ts";
import { element } from "./dom.ts";

/** What the page exposes as `window.visionstreamSwitcher`, for tests and for looking into it from the console. */
interface PanelState {
  switcher: SwitcherView | null;
  monitors: Record<Bus, { status: MonitorStatus; detail?: string }>;
}

declare global {
  interface Window {
    visionstreamSwitcher: PanelState;
  }
}


const POLL_SWITCHER_MS = 1_000;
const POLL_EVENTS_MS = 2_000;
const KEY_STORAGE = "visionstream.apiKey";

const switcherId = new URLSearchParams(location.search).get("id") ?? "";
const state: PanelState = { switcher: null, monitors: { live: { status: "off" }, preview: { status: "off" } } };
window.visionstreamSwitcher = state;

const title = element("#switcher-name", HTMLHeadingElement);
const applyState = element("#apply-state", HTMLParagraphElement);
const connection = element("#connection", HTMLElement);
const keyForm = element("#key-form", HTMLFormElement);
const keyInput = element("#api-key", HTMLInputElement);
const errorBox = element("[data-testid=error]", HTMLElement);
const modeSelect = element("[data-testid=mode]", HTMLSelectElement);
const takeButton = element("[data-testid=take]", HTMLButtonElement);
const pendingText = element("#pending", HTMLElement);
const ingestList = element("#ingest-list", HTMLElement);
const eventLog = element("[data-testid=event-log]", HTMLOListElement);

// --- The API key: from the link's fragment (never sent to a server), kept for this tab only. ---

function readStoredKey(): string | undefined {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? undefined;
  } catch {
    return undefined;
  }
}

function storeKey(key: string): void {
  try {
    sessionStorage.setItem(KEY_STORAGE, key);
  } catch {
    // Storage refused (private mode): the key lives in memory until the tab closes.
  }
}

let apiKey = readStoredKey();
const fragmentKey = new URLSearchParams(location.hash.slice(1)).get("key");
if (fragmentKey) {
  apiKey = fragmentKey;
  storeKey(fragmentKey);
  history.replaceState(null, "", `${location.pathname}${location.search}`);
}

keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  apiKey = keyInput.value.trim();
  storeKey(apiKey);
  keyInput.value = "";
  keyForm.hidden = true;
  void refreshSwitcher();
  void refreshEvents();
});

const configuredApi = (import.meta as ImportMeta & { env?: Record<string, string | undefined> }).env?.VITE_VISIONSTREAM_API_URL;
const api = switcherApi(switcherId, () => apiKey, apiOriginOf(configuredApi));

// --- Errors: one per source (polling, a switch, the schedule), shown until that source succeeds or is dismissed. ---

const failures = new Map<string, Failure>();

function showFailure(source: string, failure: Failure | undefined): void {
  if (failure) failures.set(source, failure);
  else failures.delete(source);
  errorBox.hidden = failures.size === 0;
  errorBox.replaceChildren(
    ...[...failures].map(([key, { message, issues }]) => {
      const item = document.createElement("div");
      item.className = "error-item";
      const text = document.createElement("p");
      text.className = "error-message";
      text.textContent = message;
      const dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "dismiss";
      dismiss.textContent = "Dismiss";
      dismiss.addEventListener("click", () => showFailure(key, undefined));
      item.append(text, dismiss);
      if (issues.length > 0) {
        const list = document.createElement("ul");
        list.append(...issues.map(({ field, message: why }) => Object.assign(document.createElement("li"), { textContent: `${field}: ${why}` })));
        item.append(list);
      }
      return item;
    }),
  );
}

// --- Monitors ---

const ingestName = (id: string | undefined) => (id === undefined ? "" : (state.switcher?.ingests.find((ingest) => ingest.id === id)?.name ?? ""));

function monitorOf(bus: Bus, figureId: string): Monitor {
  const status = element(`#${figureId} .monitor-status`, HTMLElement);
  const words: Record<MonitorStatus, string> = { off: "no signal", loading: "loading…", playing: "", retrying: "reconnecting…", still: "stills" };
  return new Monitor(
    element(`#${figureId} video`, HTMLVideoElement),
    (monitorStatus, detail) => {
      state.monitors[bus] = { status: monitorStatus, ...(detail === undefined ? {} : { detail }) };
      status.textContent = words[monitorStatus];
      status.title = detail ?? "";
    },
    { image: element(`#${figureId} img.monitor-still`, HTMLImageElement), fetch: (url) => api.still(url) },
  );
}

const monitors: Record<Bus, Monitor> = { live: monitorOf("live", "program"), preview: monitorOf("preview", "preview") };

function showBus(bus: Bus, figureId: string, ingestId: string | undefined): void {
  element(`[data-testid=${bus === "live" ? "program" : "preview"}-label]`, HTMLElement).textContent = ingestId ?? "—";
  element(`#${figureId} .bus-ingest-name`, HTMLElement).textContent = ingestName(ingestId);
}

// --- Ingest cards: built once per line-up, then only their figures change. ---

let cardsFor = "";

function card(ingest: IngestView): HTMLElement {
  const article = document.createElement("article");
  article.className = "ingest";
  article.dataset.testid = `ingest-${ingest.id}`;
  article.dataset.ingestId = ingest.id;
  article.innerHTML = `
    <header>
      <span class="dot" role="img"></span>
      <h3></h3>
      <span class="tally"></span>
    </header>
    <p class="ingest-where"></p>
    <dl>
      <div><dt>Bitrate</dt><dd data-field="bitrate"></dd></div>
      <div><dt>Keyframe</dt><dd data-field="keyframe"></dd></div>
    </dl>
    <p class="ingest-warnings" data-field="warnings" hidden></p>
    <div class="ingest-actions">
      <button type="button" data-action="preview">Preview</button>
      <button type="button" data-action="live">Live</button>
    </div>`;
  article.querySelector("h3")!.textContent = ingest.name;
  article.querySelector(".ingest-where")!.textContent = `${ingest.id} · ${ingest.region} · SRT :${ingest.port}`;
  article.querySelector("[data-action=preview]")!.addEventListener("click", (event) =>
    void runSwitch(event.currentTarget as HTMLButtonElement, `${ingest.id} to preview`, () => api.preview(ingest.id)),
  );
  article.querySelector("[data-action=live]")!.addEventListener("click", (event) => {
    const mode = currentMode();
    void runSwitch(event.currentTarget as HTMLButtonElement, `${ingest.id} to live (${mode})`, () => api.live(ingest.id, mode));
  });
  return article;
}

function showIngests(switcher: SwitcherView): void {
  const lineup = JSON.stringify(switcher.ingests.map(({ id, name, region, port }) => [id, name, region, port]));
  if (lineup !== cardsFor) {
    cardsFor = lineup;
    ingestList.replaceChildren(...switcher.ingests.map(card));
  }
  for (const ingest of switcher.ingests) {
    const article = ingestList.querySelector<HTMLElement>(`[data-ingest-id="${CSS.escape(ingest.id)}"]`);
    if (!article) continue;
    const level = healthLevel(ingest.health);
    article.dataset.health = level;
    article.querySelector(".dot")!.setAttribute("aria-label", ingest.health.connected ? (level === "ok" ? "connected" : "connected, no recent keyframe") : "disconnected");
    article.querySelector("[data-field=bitrate]")!.textContent = ingest.health.connected ? formatBitrate(ingest.health.bitrateKbps) : "—";
    article.querySelector("[data-field=keyframe]")!.textContent = ingest.health.connected && ingest.health.keyframesTimed !== false ? formatKeyframeAge(ingest.health.lastKeyframeAgeMs) : "—";
    const warnings = article.querySelector<HTMLElement>("[data-field=warnings]")!;
    warnings.textContent = describeWarnings(ingest.health);
    warnings.hidden = warnings.textContent === "";
    const onLive = switcher.live === ingest.id;
    const onPreview = switcher.preview === ingest.id;
    article.classList.toggle("on-live", onLive);
    article.classList.toggle("on-preview", onPreview);
    article.querySelector(".tally")!.textContent = onLive ? "PGM" : onPreview ? "PVW" : "";
  }
  updateButtons();
}

// --- Switching: one request at a time; every switch button waits for it. ---

let pending = false;

function currentMode(): SwitchMode {
  return modeSelect.value === "cut" ? "cut" : "clean";
}

function updateButtons(): void {
  const switcher = state.switcher;
  takeButton.disabled = pending || !switcher?.preview || switcher.preview === switcher.live;
  ingestList.querySelectorAll<HTMLButtonElement>("button[data-action]").forEach((button) => {
    const ingestId = button.closest<HTMLElement>("[data-ingest-id]")?.dataset.ingestId;
    const bus: Bus = button.dataset.action === "live" ? "live" : "preview";
    button.disabled = pending || switcher?.[bus] === ingestId;
  });
}

async function runSwitch(button: HTMLButtonElement, what: string, request: () => Promise<unknown>): Promise<void> {
  if (pending) return;
  pending = true;
  button.classList.add("working");
  button.setAttribute("aria-busy", "true");
  document.body.classList.add("switching");
  pendingText.textContent = `Switching ${what}…`;
  updateButtons();
  try {
    await request();
    showFailure("switch", undefined);
    pendingText.textContent = "";
  } catch (error) {
    const failure = asApiFailure(error);
    showFailure("switch", { message: `${what}: ${failure.message}`, issues: failure.issues });
    pendingText.textContent = "Switch failed.";
  } finally {
    pending = false;
    button.classList.remove("working");
    button.removeAttribute("aria-busy");
    document.body.classList.remove("switching");
    updateButtons();
    void refreshSwitcher();
    void refreshEvents();
  }
}

takeButton.addEventListener("click", () => {
  const mode = currentMode();
  void runSwitch(takeButton, `preview to live (take, ${mode})`, () => api.take(mode));
});

// --- Schedule ---

const schedule = new ScheduleEditor(
  element("#schedule-rows", HTMLTableSectionElement),
  element("#schedule-status", HTMLElement),
  element("[data-action=add-row]", HTMLButtonElement),
  element("[data-action=save-schedule]", HTMLButtonElement),
  { save: api.saveSchedule, mode: currentMode, onFailure: (failure) => showFailure("schedule", failure) },
);

// --- Event log ---

let eventsShown = "";

function showEvents(events: SwitchEvent[]): void {
  const fingerprint = JSON.stringify(events);
  if (fingerprint === eventsShown) return;
  eventsShown = fingerprint;
  eventLog.replaceChildren(
    ...events.map((event) => {
      const { route, detail } = describeEvent(event);
      const item = document.createElement("li");
      item.dataset.bus = event.bus;
      item.dataset.reason = event.reason;
      item.innerHTML = `<time></time><span class="event-bus"></span><span class="event-route"></span><span class="event-detail"></span>`;
      const time = item.querySelector("time")!;
      time.dateTime = event.at;
      time.textContent = formatClock(event.at);
      item.querySelector(".event-bus")!.textContent = event.bus === "live" ? "PGM" : "PVW";
      item.querySelector(".event-route")!.textContent = route;
      item.querySelector(".event-detail")!.textContent = detail;
      return item;
    }),
  );
  if (events.length === 0) eventLog.innerHTML = `<li class="empty">No switches yet.</li>`;
}

// --- Polling ---

function show(switcher: SwitcherView): void {
  state.switcher = switcher;
  title.textContent = switcher.name;
  document.title = `${switcher.name} · VisionStream switcher`;
  showIngests(switcher);
  showBus("live", "program", switcher.live);
  showBus("preview", "preview", switcher.preview);
  const lost = element("#program .lost", HTMLElement);
  const gone = switcher.liveIngestLost;
  lost.hidden = gone === undefined;
  const lostText = gone ? `${gone.ingestId} lost since ${formatClock(gone.since)}` : "";
  if (lost.textContent !== lostText) lost.textContent = lostText;
  const applyText = describeApplyState(switcher);
  applyState.hidden = applyText === "";
  applyState.dataset.state = switcher.applyState ?? "";
  if (applyState.textContent !== applyText) applyState.textContent = applyText;
  monitors.live.show(switcher.monitors.live);
  monitors.preview.show(switcher.monitors.preview);
  schedule.update(switcher.schedule, switcher.ingests);
}

function refused(failure: ApiFailure): void {
  if (failure.status !== 401 && failure.status !== 403) return;
  keyForm.hidden = false;
  if (document.activeElement !== keyInput) keyInput.focus();
}

async function refreshSwitcher(): Promise<void> {
  try {
    show(await api.get());
    showFailure("poll", undefined);
    connection.textContent = `Updated ${formatClock(new Date().toISOString())}`;
    connection.dataset.state = "ok";
  } catch (error) {
    const failure = asApiFailure(error);
    showFailure("poll", { message: `cannot read the switcher: ${failure.message}`, issues: failure.issues });
    connection.textContent = "Not connected";
    connection.dataset.state = "failed";
    refused(failure);
  }
}

async function refreshEvents(): Promise<void> {
  try {
    showEvents(await api.events());
    showFailure("events", undefined);
  } catch (error) {
    const failure = asApiFailure(error);
    // A refused key is already told by the switcher's poll.
    if (failure.status !== 401 && failure.status !== 403) showFailure("events", { message: `cannot read the event log: ${failure.message}`, issues: [] });
  }
}

function every(ms: number, work: () => Promise<void>): void {
  const tick = async () => {
    if (apiKey) await work();
    setTimeout(tick, ms);
  };
  void tick();
}

if (!switcherId) {
  showFailure("page", { message: "no switcher: the link has no id parameter (switcher.html?id=<switcherId>#key=<apiKey>)", issues: [] });
} else {
  title.textContent = switcherId;
  if (!apiKey) {
    keyForm.hidden = false;
    keyInput.focus();
  }
  every(POLL_SWITCHER_MS, refreshSwitcher);
  every(POLL_EVENTS_MS, refreshEvents);
}
