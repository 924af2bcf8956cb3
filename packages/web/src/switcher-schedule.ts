import { asApiFailure } from "./switcher-api.ts";
import {
  BUSES,
  entryState,
  type Failure,
  formatClock,
  type IngestView,
  isDone,
  isoToLocalInput,
  MODES,
  rowsOf,
  type ScheduleEntryInput,
  type ScheduledSwitchView,
  type ScheduleRow,
  scheduleEntries,
  scheduleIssue,
  type SwitchMode,
} from "./switcher-model.ts";

export interface ScheduleEditorOptions {
  save: (entries: ScheduleEntryInput[]) => Promise<ScheduledSwitchView[]>;
  /** The mode chosen on the desk, for new rows. */
  mode: () => SwitchMode;
  onFailure: (failure: Failure | undefined) => void;
}

function select(name: string, values: readonly string[], labels: (value: string) => string, value: string): HTMLSelectElement {
  const element = document.createElement("select");
  element.name = name;
  element.replaceChildren(...values.map((option) => new Option(labels(option), option)));
  element.value = value;
  return element;
}

function stateText(row: ScheduleRow): string {
  const saved = row.saved;
  if (!saved) return "not saved";
  if (saved.failure !== undefined) return `failed: ${saved.failure}`;
  return saved.ranAt !== undefined ? `ran ${formatClock(saved.ranAt)}` : "pending";
}

/**
 * The switcher's lineup as editable rows. The rows follow the API until the operator edits them; then they are
 * a draft until saved, and only their ran/failed states keep following. Rows that ran or failed are read-only
 * and are not sent again.
 */
export class ScheduleEditor {
  private rows: ScheduleRow[] = [];
  private ingests: IngestView[] = [];
  private dirty = false;
  private saving = false;
  private shown = "";

  constructor(
    private readonly body: HTMLTableSectionElement,
    private readonly status: HTMLElement,
    addButton: HTMLButtonElement,
    private readonly saveButton: HTMLButtonElement,
    private readonly options: ScheduleEditorOptions,
  ) {
    addButton.addEventListener("click", () => this.addRow());
    saveButton.addEventListener("click", () => void this.save());
  }

  update(schedule: ScheduledSwitchView[], ingests: IngestView[]): void {
    const fingerprint = JSON.stringify([schedule, ingests.map((ingest) => [ingest.id, ingest.name])]);
    if (fingerprint === this.shown) return;
    this.shown = fingerprint;
    this.ingests = ingests;
    if (this.dirty) {
      const byId = new Map(schedule.map((entry) => [entry.id, entry]));
      for (const row of this.rows) if (row.saved) row.saved = byId.get(row.saved.id) ?? row.saved;
    } else {
      this.rows = rowsOf(schedule);
    }
    this.render();
  }

  private edited(): void {
    this.dirty = true;
    this.status.textContent = "Unsaved changes.";
  }

  private addRow(): void {
    const inAMinute = new Date(Date.now() + 60_000);
    inAMinute.setMilliseconds(0);
    this.rows.push({ at: isoToLocalInput(inAMinute.toISOString()), bus: "live", ingestId: this.ingests[0]?.id ?? "", mode: this.options.mode() });
    this.edited();
    this.render();
    this.body.querySelector<HTMLInputElement>("tr:last-child input[name=at]")?.focus();
  }

  private render(): void {
    const ingestIds = this.ingests.map((ingest) => ingest.id);
    const ingestName = (id: string) => this.ingests.find((ingest) => ingest.id === id)?.name ?? id;
    this.body.replaceChildren(
      ...this.rows.map((row, index) => {
        const done = isDone(row);
        const at = document.createElement("input");
        at.type = "datetime-local";
        at.name = "at";
        at.step = "1";
        at.required = true;
        at.value = row.at;
        at.addEventListener("change", () => ((row.at = at.value), this.edited()));
        const bus = select("bus", BUSES, (value) => value, row.bus);
        bus.addEventListener("change", () => ((row.bus = bus.value as ScheduleRow["bus"]), this.edited()));
        const known = ingestIds.includes(row.ingestId) || row.ingestId === "" ? ingestIds : [...ingestIds, row.ingestId];
        const ingest = select("ingestId", known, ingestName, row.ingestId);
        ingest.addEventListener("change", () => ((row.ingestId = ingest.value), this.edited()));
        const mode = select("mode", MODES, (value) => value, row.mode);
        mode.addEventListener("change", () => ((row.mode = mode.value as SwitchMode), this.edited()));
        const remove = document.createElement("button");
        remove.type = "button";
        remove.dataset.action = "remove-row";
        remove.textContent = "Remove";
        remove.setAttribute("aria-label", `Remove row ${index + 1}`);
        remove.addEventListener("click", () => {
          this.rows.splice(index, 1);
          this.edited();
          this.render();
        });
        for (const field of [at, bus, ingest, mode]) {
          field.disabled = done;
          field.setAttribute("aria-label", `Row ${index + 1} ${field.name === "ingestId" ? "ingest" : field.name === "at" ? "time" : field.name}`);
        }
        remove.hidden = done;
        const state = document.createElement("span");
        state.className = "entry-state";
        state.textContent = stateText(row);
        const tr = document.createElement("tr");
        tr.dataset.testid = "schedule-row";
        tr.dataset.state = entryState(row);
        tr.append(...[at, bus, ingest, mode, state, remove].map((content) => {
          const td = document.createElement("td");
          td.append(content);
          return td;
        }));
        return tr;
      }),
    );
    if (this.rows.length === 0) {
      const empty = document.createElement("tr");
      empty.className = "empty";
      empty.innerHTML = `<td colspan="6">No scheduled switches.</td>`;
      this.body.append(empty);
    }
    this.saveButton.disabled = this.saving;
  }

  private async save(): Promise<void> {
    const { entries, issues } = scheduleEntries(this.rows, this.ingests.map((ingest) => ingest.id));
    if (issues.length > 0) {
      this.options.onFailure({ message: "the schedule was not saved: some rows are incomplete", issues });
      return;
    }
    const sentRows = [...this.rows];
    this.saving = true;
    this.saveButton.disabled = true;
    this.status.textContent = "Saving…";
    try {
      const schedule = await this.options.save(entries);
      this.dirty = false;
      this.shown = "";
      this.rows = rowsOf(schedule);
      this.options.onFailure(undefined);
      this.status.textContent = `Saved ${entries.length} ${entries.length === 1 ? "entry" : "entries"}.`;
    } catch (error) {
      const failure = asApiFailure(error);
      this.options.onFailure({ message: `the schedule was not saved: ${failure.message}`, issues: failure.issues.map((issue) => scheduleIssue(issue, sentRows)) });
      this.status.textContent = "Not saved.";
    } finally {
      this.saving = false;
      this.render();
    }
  }
}
