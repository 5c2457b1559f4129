import Probability

/// An error a user can act on: what was wrong and what is allowed.
/// The shell prints `error: <message>` and carries on with its state intact.
public struct LabError: Error, Equatable, Sendable, CustomStringConvertible {
  public let message: String

  public init(_ message: String) {
    self.message = message
  }

  public var description: String { message }

  static let interrupted = LabError("interrupted (Ctrl-C); nothing was changed")

  /// Runs long work that stops at Ctrl-C, reporting the stop as a user-facing error.
  static func stoppingOnInterrupt<T>(_ work: () throws(Interrupted) -> T) throws(LabError) -> T {
    do { return try work() } catch { throw interrupted }
  }
}
