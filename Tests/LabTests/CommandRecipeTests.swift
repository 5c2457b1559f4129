import Testing

@testable import Lab

/// The recipe of Sources/README.md, built and run: one arguments type, one
/// function, one result type make a command with parsing, validation, help,
/// completion, text and JSON.
enum HalfCommand {
  static let spec = CommandSpec(
    name: "half", summary: "half of a number", arguments: Arguments.self, action: run)

  struct Arguments: CommandArguments {
    @Positional(.finite, help: "the number") var x: Double = 1
  }

  struct Result: CommandResult {
    var x: Double
    var half: Double
    func text(for presentation: Presentation) -> String { "\(x) / 2 = \(half)" }
  }

  static func run(_ session: inout Session, _ arguments: Arguments) throws(LabError) -> Output {
    Output(Result(x: arguments.x, half: arguments.x / 2))
  }
}

struct CommandRecipeTests {
  @Test func theRecipeMakesAWholeCommand() {
    var engine = Engine(commands: CommandRegistry.withHelp([HalfCommand.spec]))
    #expect(engine.execute("half 3").output == "3.0 / 2 = 1.5")
    #expect(engine.execute("half x=5 format=json").output == #"{"x":5.0,"half":2.5}"#)
    #expect(engine.execute("half").output == "1.0 / 2 = 0.5")
    #expect(engine.execute("half abc").error == "x must be a number, got 'abc'")
    #expect(engine.execute("help half").output.contains("[X]"))
    #expect(Completion.candidates(for: "half ", commands: engine.commands) == ["x=", "format="])
  }
}
