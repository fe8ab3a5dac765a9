/**
 * Gathers the calls made in one turn of the event loop and sends them as
 * one request. A gRPC call has a fixed cost (an HTTP/2 stream, headers,
 * a trip through both event loops) that dwarfs encoding one small
 * request, so under load N concurrent calls cost about one. With no
 * concurrency there is nothing to wait for: a lone call leaves at the end
 * of the current turn, not after a timer.
 */
export class Batcher<Req, Res> {
  readonly #send: (requests: Req[]) => Promise<Res[]>;
  readonly #maxBatch: number;
  #pending: { request: Req; resolve: (response: Res) => void; reject: (error: unknown) => void }[] = [];

  /** `send` answers every request of a batch, in order, or rejects them all. */
  constructor(send: (requests: Req[]) => Promise<Res[]>, maxBatch = 128) {
    this.#send = send;
    this.#maxBatch = maxBatch;
  }

  call(request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      // The flush runs in the context of the call that opened the batch, so the batch carries that request's id (clients/request-id.ts).
      if (this.#pending.length === 0) setImmediate(() => this.#flush());
      this.#pending.push({ request, resolve, reject });
    });
  }

  #flush(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (let start = 0; start < pending.length; start += this.#maxBatch) {
      const batch = pending.slice(start, start + this.#maxBatch);
      this.#send(batch.map((p) => p.request)).then(
        (responses) => {
          for (const [i, p] of batch.entries()) p.resolve(responses[i]!);
        },
        (error: unknown) => {
          for (const p of batch) p.reject(error);
        },
      );
    }
  }
}
