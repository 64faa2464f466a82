// Every protocol failure is a typed error with a stable code, so transports can log and
// count rejections without parsing messages.

export type ErrorCode =
  | 'overflow'
  | 'bad-input'
  | 'tampered'
  | 'wrong-recipient'
  | 'replayed'
  | 'bad-signature'
  | 'unknown-sender'
  | 'doctored-plan'
  | 'not-in-plan'
  | 'too-few-contributors'
  | 'duplicate-contribution'
  | 'clock-skew';

export class ProtocolError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}
