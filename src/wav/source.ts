/**
 * Where audio bytes come from: a file read sequentially in fixed-size chunks into one reused
 * buffer, or a stream (stdin). Neither is ever read whole. Failures to open or read become
 * WavFileError "unreadable" naming the file.
 */
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { WavFileError } from "./errors.js";

/** Bytes read from a file at a time (and the size of the audio blocks handed on). */
export const CHUNK_BYTES = 64 * 1024;

export interface ByteSource {
  /** The bytes, in chunks; a chunk may be reused once the next one is asked for. */
  chunks: AsyncIterable<Uint8Array>;
  /** Size in bytes, when known (regular files). */
  size?: number;
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "is a directory",
  ENOTDIR: "a part of the path is not a directory",
  ELOOP: "too many symbolic links",
  EMFILE: "too many open files",
  EIO: "I/O error",
};

/** A one-line reason for an fs error ("no such file", "permission denied", …). */
export function unreadable(file: string, error: unknown): WavFileError {
  if (error instanceof WavFileError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = (code && REASONS[code]) ?? (error instanceof Error ? error.message : String(error));
  return new WavFileError(file, "unreadable", `cannot read: ${reason}`, { cause: error });
}

/** Opens a file for sequential reading. `name` is how errors refer to it. */
export async function openFile(path: string, name: string, chunkBytes = CHUNK_BYTES): Promise<ByteSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw unreadable(name, error);
  }
  let size: number | undefined;
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    if (stat.isFile()) size = stat.size;
  } catch (error) {
    await handle.close();
    throw unreadable(name, error);
  }
  return { chunks: fileChunks(handle, name, chunkBytes), size };
}

async function* fileChunks(handle: FileHandle, name: string, chunkBytes: number): AsyncGenerator<Uint8Array> {
  const buffer = new Uint8Array(chunkBytes);
  try {
    for (;;) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, chunkBytes, null));
      } catch (error) {
        throw unreadable(name, error);
      }
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** A stream's chunks (stdin, a pipe), with read errors named after `name`. */
export function streamSource(stream: AsyncIterable<Uint8Array | string>, name: string): ByteSource {
  return { chunks: streamChunks(stream, name) };
}

async function* streamChunks(stream: AsyncIterable<Uint8Array | string>, name: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) {
      if (typeof chunk === "string") throw new WavFileError(name, "unreadable", "cannot read: the stream delivers text, not bytes");
      yield chunk;
    }
  } catch (error) {
    throw unreadable(name, error);
  }
}
