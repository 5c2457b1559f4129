/// Thrown by long computations when their caller asked them to stop (Ctrl-C);
/// they stop at a safe point and leave every caller-visible state as it was.
public struct Interrupted: Error, Equatable, Sendable {
  public init() {}
}
