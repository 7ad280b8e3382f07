/**
 * Output in input order while inputs finish in any order: the records of the first unfinished
 * input go straight through (so a long file's keys appear as they are found), those of later
 * inputs wait until every input before them is done.
 */
import type { FileReport, KeyRecord } from "./records.js";

export interface OrderedSink {
  records(records: KeyRecord[]): void;
  fileDone(report: FileReport): void;
}

export class InputOrder {
  private head = 0;
  private readonly waiting = new Map<number, KeyRecord[]>();
  private readonly finished = new Map<number, FileReport>();

  constructor(private readonly sink: OrderedSink) {}

  records(index: number, records: KeyRecord[]): void {
    if (index === this.head) {
      this.sink.records(records);
      return;
    }
    const held = this.waiting.get(index);
    if (held) held.push(...records);
    else this.waiting.set(index, [...records]);
  }

  done(report: FileReport): void {
    this.finished.set(report.index, report);
    while (this.finished.has(this.head)) {
      const current = this.finished.get(this.head) as FileReport;
      this.finished.delete(this.head);
      this.sink.fileDone(current);
      this.head++;
      const held = this.waiting.get(this.head);
      if (held) {
        this.waiting.delete(this.head);
        this.sink.records(held);
      }
    }
  }
}
