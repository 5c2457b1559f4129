/// A lesson command's type: its spec (for parsing, `help` and completion)
/// and how the `LessonRunner` runs it on its typed arguments.
struct LessonCommand: Sendable {
  let spec: CommandSpec
  let subcommands: [LessonCommand]
  let run: @Sendable (inout LessonRunner, BoundArguments) throws(LabError) -> LessonOutput

  init<Arguments: CommandArguments>(
    name: String, summary: String, discussion: String = "", arguments: Arguments.Type, examples: [String] = [],
    subcommands: [LessonCommand] = [], isRecorded: Bool = true,
    run: @escaping @Sendable (inout LessonRunner, Arguments) throws(LabError) -> LessonOutput
  ) {
    spec = CommandSpec(
      name: name, summary: summary, discussion: discussion, arguments: Arguments.self, examples: examples,
      subcommands: subcommands.map(\.spec), isRecorded: isRecorded)
    self.subcommands = subcommands
    let argumentNames = ArgumentDeclarations(of: Arguments.self).argumentNames
    self.run = { runner, bound throws(LabError) in
      try run(&runner, try Arguments.validated(bound, argumentNames: argumentNames))
    }
  }
}

/// What a lesson command produced: its result, and what the lesson adds after it.
struct LessonOutput {
  var result: Output
  /// The lesson's step now, shown after the result but not part of it.
  var next: LessonView?
  /// A line the front end types at the next prompt for the user to run or edit.
  var typedAhead: String?
  /// What the notebook records as the command, when not the line as typed
  /// (`answer kl-half 0.5` for `answer 0.5`): a form that replays anywhere.
  var recordedInput: String?

  init(_ result: some CommandResult) {
    self.result = Output(result)
  }

  /// A view of the lesson, which also types its command ahead.
  init(_ view: LessonView) {
    result = Output(view)
    typedAhead = view.typedAhead
  }

  /// Shows `view` after this output, and types its command ahead.
  mutating func `continue`(with view: LessonView) {
    next = view
    typedAhead = view.typedAhead
  }
}
