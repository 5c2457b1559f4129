import Testing

@testable import Lab

/// A command's typed arguments: declared once, bound from words, decoded once.
struct CommandArgumentsTests {
  enum Shade: String, ArgumentChoice {
    case light, dark
  }

  struct Shared: CommandArguments {
    @Named(0...9, help: "a shared level") var level: Int = 3
  }

  /// One of every kind of declaration.
  struct Toy: CommandArguments {
    @Positional(.path, help: "a required file") var path: String
    @Positional(.finite, help: "a real with a default") var scale: Double = 1.5
    @Named(name: "n", 1...100, help: "renamed: n in the shell, count in Swift") var count: Int = 10
    @Named(help: "a choice") var shade: Shade = .light
    @Named(help: "yes or no") var loud: Bool = false
    @Named(1...4096, help: "one or several") var sizes: [Int] = [256, 64]
    @Named(.positive, help: "a scalar or a vector") var spread: ScalarOrVector = 2
    @Named(0...Int.max, help: "optional, no default") var seed: Int?
    @ArgumentGroup var shared: Shared
    @ExpressionParameters var parameters: [String: Double]
  }

  func decode<Arguments: CommandArguments>(_ type: Arguments.Type, _ words: String) throws -> Arguments {
    let declarations = ArgumentDeclarations(of: type)
    let spec = CommandSpec(
      name: "toy", summary: "toy", arguments: type, action: { _, _ throws(LabError) in Output(Line(line: "")) })
    let bound = try ArgumentBinder.bind(try Tokenizer.tokens(words), to: spec, commandPath: "toy")
    return try Arguments.decode(bound, argumentNames: declarations.argumentNames)
  }

  @Test func theDeclarationsMakeTheSpec() {
    let declarations = ArgumentDeclarations(of: Toy.self)
    #expect(
      declarations.specs.map(\.name) == ["path", "scale", "n", "shade", "loud", "sizes", "spread", "seed", "level"])
    #expect(declarations.specs.map(\.defaultValue) == [nil, "1.5", "10", "light", "no", "[256, 64]", "2", nil, "3"])
    #expect(declarations.specs.map(\.isPositional) == [true, true, false, false, false, false, false, false, false])
    #expect(declarations.specs.map(\.isRequired) == [true, false, false, false, false, false, false, false, false])
    #expect(declarations.specs[3].kind.allowed == "one of light, dark")
    #expect(declarations.specs[4].kind.allowed == "one of no, yes")
    #expect(declarations.argumentNames["count"] == "n")
    #expect(declarations.takesExpressionParameters)
  }

  @Test func defaultsDecodeToTheDeclaredValues() throws {
    let toy = try decode(Toy.self, "a.txt")
    #expect(toy.path == "a.txt" && toy.$path.isGiven)
    #expect(toy.scale == 1.5 && !toy.$scale.isGiven)
    #expect(toy.count == 10 && toy.$count.name == "n")
    #expect(toy.shade == .light && !toy.loud)
    #expect(toy.sizes == [256, 64])
    #expect(toy.spread == ScalarOrVector(values: [2], isVector: false))
    #expect(toy.seed == nil && !toy.$seed.isGiven)
    #expect(toy.shared.level == 3)
    #expect(toy.parameters.isEmpty)
  }

  @Test func givenValuesDecodeToTheirTypes() throws {
    let toy = try decode(Toy.self, "b.txt 2 n=7 shade=dark loud=yes sizes=32 spread=[1, 2] seed=5 level=9 k=0.5")
    #expect(toy.scale == 2 && toy.$scale.isGiven)
    #expect(toy.count == 7 && toy.shade == .dark && toy.loud)
    #expect(toy.sizes == [32])
    #expect(toy.spread == ScalarOrVector(values: [1, 2], isVector: true))
    #expect(toy.seed == 5 && toy.shared.level == 9)
    #expect(toy.parameters == ["k": 0.5])
  }

  @Test func aRequiredArgumentIsAskedFor() {
    #expect(
      throws: LabError(
        "toy needs path: a required file (usage: toy PATH [SCALE] [n=N] [shade=light|dark] [loud=no|yes] [sizes=N|[N,..]] [spread=X|[X,..]] [seed=N] [level=N])"
      )
    ) {
      try decode(Toy.self, "")
    }
  }

  /// Every command of the shell: its declarations have distinct names, and
  /// its defaults (with its required arguments given) decode.
  @Test func everyCommandDecodesItsDefaults() throws {
    func check<Arguments: CommandArguments>(_ type: Arguments.Type, _ words: String = "") throws {
      let names = ArgumentDeclarations(of: type).specs.map(\.name)
      #expect(Set(names).count == names.count, "\(type): \(names)")
      _ = try decode(type, words)
    }
    try check(KLCommand.Arguments.self)
    try check(SampleCommand.Arguments.self)
    try check(GradCommand.Arguments.self, "z^2")
    try check(GradSweepCommand.Arguments.self, "z^2 over=mu from=0 to=1")
    try check(HelpCommand.Arguments.self)
    try check(SessionCommands.SeedArguments.self)
    try check(SessionCommands.SetArguments.self)
    try check(SessionCommands.SaveArguments.self, "a.md")
    try check(VAECommand.NewArguments.self)
    try check(VAECommand.StepArguments.self)
    try check(VAECommand.EncodeArguments.self)
    try check(VAECommand.ReconArguments.self)
    try check(VAECommand.SampleArguments.self)
    try check(VAECommand.SaveArguments.self, "a.safetensors")
    try check(VAECommand.LoadArguments.self, "a.safetensors")
    try check(NoArguments.self)
  }

  /// A range with a rule between its ends, in a group of its own.
  struct Range: CommandArguments {
    @Named(.finite, help: "first") var from: Double = 0
    @Named(.finite, help: "last") var to: Double = 1
    static let rules = ["from < to"]
    func validate() throws(LabError) {
      if from >= to { throw LabError("from must be less than to") }
    }
  }

  struct Ranged: CommandArguments {
    @ArgumentGroup var range: Range
    @Named(1...100, help: "points") var count: Int = 10
    static let rules = ["count points fit between from and to"]
    func validate() throws(LabError) {
      if Double(count) > range.to - range.from + 1 { throw LabError("too many points") }
    }
  }

  /// `validate()` runs after decoding and before the action, a group's first;
  /// `help` states the rules, a group's first.
  @Test func rulesAreCheckedBeforeTheActionAndStatedInHelp() {
    let spec = CommandSpec(
      name: "span", summary: "a span", arguments: Ranged.self,
      action: { _, arguments throws(LabError) in Output(Line(line: "\(arguments.count) points")) })
    #expect(spec.rules == ["from < to", "count points fit between from and to"])
    var engine = Engine(commands: CommandRegistry.withHelp([spec]))
    #expect(engine.execute("span to=20").output == "10 points")
    #expect(engine.execute("span from=2 to=1 count=50").error == "from must be less than to")
    #expect(engine.execute("span count=50").error == "too many points")
    let help = engine.execute("help span").output
    #expect(help.hasSuffix("\n\nrules:\n  from < to\n  count points fit between from and to"), "\(help)")
    #expect(engine.execute("help span format=json").output.contains(#""rules":["from < to","#))
    #expect(!engine.execute("help help").output.contains("rules:"))
  }

  /// The rules the shell's commands check before they run, in their help.
  @Test func commandsStateTheirRules() {
    var engine = Engine()
    #expect(engine.execute("help kl").output.contains("rules:\n  give sigma or logvar, not both, and sigma2 or"))
    #expect(engine.execute("help grad sweep").output.contains("rules:\n  give sigma or logvar, not both\n  over is"))
    // Checked before the command needs a model.
    #expect(engine.execute("vae estimators 0 batch=3").error == "give one example I or batch=B, not both")
    #expect(engine.execute("vae latent grid color=shape").error?.hasPrefix("color= marks the scatter's") == true)
    #expect(engine.execute("vae bound label=2").error == "label= names a column of data=; give data= too")
  }
}

/// A result that is one line of text (and that line as JSON), for test commands.
struct Line: CommandResult {
  var line: String
  func text(for presentation: Presentation) -> String { line }
}
