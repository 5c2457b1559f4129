import Probability

/// An error a user can act on: what was wrong and what is allowed.
/// The shell prints `error: <message>` and carries on with its state intact.
public struct LabError: Error, Equatable, Sendable, CustomStringConvertible {
  public let message: String
  /// The argument that was wrong, when one was (for the JSON error's `argument`).
  public let argument: String?

  /// What a notebook records as the command that failed, when not the line as
  /// typed (`answer ID abc` for a refused `answer abc`): a form that replays anywhere.
  var recordedInput: String?

  public init(_ message: String, argument: String? = nil) {
    self.message = message
    self.argument = argument
  }

  /// This error, recorded in a notebook as `input`.
  func recorded(as input: String) -> LabError {
    var error = self
    error.recordedInput = input
    return error
  }

  public var description: String { message }

  /// Two errors are the same when they say the same.
  public static func == (lhs: LabError, rhs: LabError) -> Bool { lhs.message == rhs.message }

  static let interrupted = LabError("interrupted (Ctrl-C); nothing was changed")

  /// Runs long work that stops at Ctrl-C, reporting the stop as a user-facing error.
  static func stoppingOnInterrupt<T>(_ work: () throws(Interrupted) -> T) throws(LabError) -> T {
    do { return try work() } catch { throw interrupted }
  }
}
