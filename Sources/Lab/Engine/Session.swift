import Probability

/// How command results are printed.
public enum OutputFormat: String, Sendable, CaseIterable, ArgumentChoice {
  case text, json
}

/// One command of the session so far and what it printed, for `save`.
public struct NotebookEntry: Equatable, Sendable {
  public var input: String
  /// The printed lines, with an error as a final `error: ...` line.
  public var output: [String]
}

/// The state a shell session carries between commands. Commands change it only
/// when they succeed, so an error or Ctrl-C leaves it as it was: the engine runs
/// each command on a copy and keeps the copy only on success. The workbench is a
/// reference (a model is too large to copy per command), so a command changes
/// the model, its optimiser or its training history only on its way to success:
/// `vae step` that meets a loss that is not finite, or Ctrl-C, stops and succeeds
/// with the steps it took.
public struct Session: Sendable {
  public private(set) var seed: UInt64
  /// The seed the session started from, written into a saved notebook.
  public let initialSeed: UInt64
  /// The session's generator; commands without `seed=` draw from it and advance it.
  var generator: Xoshiro256StarStar
  public var format: OutputFormat = .text
  /// Decimals of every printed number (the presentation's).
  public var precision: Int {
    get { presentation.precision }
    set { presentation.precision = newValue }
  }
  public internal(set) var notebook: [NotebookEntry] = []
  /// Asked by long computations at safe points; true after Ctrl-C.
  public let shouldStop: @Sendable () -> Bool
  /// Shows a transient progress line (a terminal sets this; pipes and lessons do not).
  public var progress: (@Sendable (String) -> Void)?
  /// How replies are shown (a terminal sets colour, unless NO_COLOR, and its
  /// width); what the notebook records is always plain.
  public var presentation = Presentation.plain
  /// Where commands may read and write files: anywhere for what the user types,
  /// a lesson's own directories for a lesson.
  public internal(set) var files: FileAccess
  /// The VAE being built and trained, once `vae new` has run.
  public internal(set) var workbench: VAEWorkbench?
  /// What a notebook saved now states besides its commands (set by the layer
  /// that takes lessons: which, and how their exercises went).
  var notebookPreface = NotebookPreface()

  public init(
    seed: UInt64 = 0, files: FileAccess = .unrestricted, shouldStop: @escaping @Sendable () -> Bool = { false }
  ) {
    self.seed = seed
    self.files = files
    self.initialSeed = seed
    self.generator = Xoshiro256StarStar(seed: seed)
    self.shouldStop = shouldStop
  }

  /// Restarts the session's random stream from `seed`.
  public mutating func reseed(_ seed: UInt64) {
    self.seed = seed
    generator = Xoshiro256StarStar(seed: seed)
  }

  /// A generator for one command: a fresh stream from the command's own `seed=`,
  /// or a copy of the session's, to be kept with `keep(_:drawnWith:)` on success.
  func generator(commandSeed: Int?) -> Xoshiro256StarStar {
    commandSeed.map { Xoshiro256StarStar(seed: UInt64($0)) } ?? generator
  }

  /// After a command succeeded: the session stream advances past what it drew,
  /// unless the command used its own seed.
  mutating func keep(_ used: Xoshiro256StarStar, drawnWith commandSeed: Int?) {
    if commandSeed == nil { generator = used }
  }

  /// The number shown in the prompt, `vaelab [3]>`: one more than the commands run.
  public var promptNumber: Int { commandsRun + 1 }
  var commandsRun = 0
}
