import Testing

@testable import Lab

struct TokenizerTests {
  @Test func keepsVectorsAndQuotedTextTogether() throws {
    let words = try Tokenizer.tokens(#"kl [0, 2] sigma=[1, 1]  f="(z - 3)^2" 'a b'"#).map(\.text)
    #expect(words == ["kl", "[0, 2]", "sigma=[1, 1]", "f=(z - 3)^2", "a b"])
  }

  @Test func dropsCommentsAndSplitsStatements() throws {
    #expect(try Tokenizer.tokens("kl 2 1 # the anchor").map(\.text) == ["kl", "2", "1"])
    #expect(Tokenizer.statements("seed 3; kl 2 1 ;; sample 0 1 # c; d") == ["seed 3", " kl 2 1 ", " sample 0 1 "])
    #expect(Tokenizer.statements(#"save "a;b.md"; kl"#) == [#"save "a;b.md""#, " kl"])
  }

  @Test func reportsUnterminatedQuotesAndBracketsWithTheColumn() {
    #expect(throws: LabError("unterminated \" quote starting at column 4")) { try Tokenizer.tokens(#"kl "2 1"#) }
    #expect(throws: LabError("unclosed [ starting at column 4")) { try Tokenizer.tokens("kl [0, 1") }
  }

  @Test func partialLinesAreTokenisedLeniently() {
    let partial = Tokenizer.partialTokens("kl [0, 1")
    #expect(partial.tokens.map(\.text) == ["kl", "[0, 1"])
    #expect(!partial.endsInBlank)
    #expect(Tokenizer.partialTokens("kl ").endsInBlank)
  }
}

struct ArgumentBinderTests {
  let spec = KLCommand.spec

  /// The words bound to `kl`'s spec and decoded into its typed arguments.
  func kl(_ input: String) throws -> KLCommand.Arguments {
    let bound = try ArgumentBinder.bind(try Tokenizer.tokens(input), to: spec, commandPath: "kl")
    let names = ArgumentDeclarations(of: KLCommand.Arguments.self).argumentNames
    return try KLCommand.Arguments.decode(bound, argumentNames: names)
  }

  @Test func bindsPositionalsNamesAndDefaults() throws {
    let arguments = try kl("2 order=both mc=1e4")
    #expect(arguments.mu == ScalarOrVector(values: [2], isVector: false))
    #expect(arguments.sigma.values == [1])
    #expect(!arguments.$sigma.isGiven)
    #expect(arguments.$mu.isGiven)
    #expect(arguments.order == .both)
    #expect(arguments.draws == 10_000)
    #expect(arguments.$draws.name == "mc")
    #expect(arguments.seed == nil)
    #expect(arguments.logvar == nil)
  }

  @Test func aNamedPositionalFreesItsPlace() throws {
    let arguments = try kl("mu=3 0.5")
    #expect(arguments.mu.values == [3])
    #expect(arguments.sigma.values == [0.5])
  }

  @Test func parsesVectors() throws {
    let arguments = try kl("[0, -2.5 1e-3] [1,2,3]")
    #expect(arguments.mu == ScalarOrVector(values: [0, -2.5, 0.001], isVector: true))
    #expect(arguments.sigma == ScalarOrVector(values: [1, 2, 3], isVector: true))
  }

  @Test(arguments: [
    ("0 0", "sigma must be > 0 (from 1e-100 to 1e100), got 0"),
    ("0 -1", "sigma must be > 0 (from 1e-100 to 1e100), got -1"),
    ("0 inf", "sigma must be a finite number, got 'inf'"),
    ("nan", "mu must be a finite number, got 'nan'"),
    ("abc", "mu must be a number, got 'abc'"),
    ("0x10", "mu must be a number, got '0x10'"),
    ("-0x1p3", "mu must be a number, got '-0x1p3'"),
    ("seed=0x10", "seed must be an integer from 0 to 9223372036854775807, got '0x10'"),
    ("mc=+0X20", "mc must be an integer from 2 to 100000000, got '+0X20'"),
    ("logvar=800", "logvar must be from -460 to 460, got 800"),
    ("[]", "mu: the vector is empty; write e.g. [0, 1]"),
    ("[1,,2]", "mu: empty element in vector '[1,,2]'"),
    ("[1, x]", "mu[1] must be a number, got 'x'"),
    ("[0, 1] [1, -1]", "sigma[1] must be > 0 (from 1e-100 to 1e100), got -1"),
    ("1 2 3", "kl takes at most 2 positional arguments (MU SIGMA); unexpected '3'"),
    (
      "sigm=2",
      "kl has no argument 'sigm'; did you mean 'sigma'? (arguments: mu, sigma, logvar, mu2, sigma2, logvar2, order, mc, seed)"
    ),
    ("sigma=1 sigma=2", "sigma is given twice"),
    ("order=bth", "order must be one of qp, pq, both, got 'bth'; did you mean 'both'?"),
    ("mc=0", "mc must be an integer from 2 to 100000000, got 0"),
    ("mc=2.5", "mc must be an integer from 2 to 100000000, got '2.5'"),
    ("seed=-1", "seed must be an integer from 0 to 9223372036854775807, got -1"),
  ])
  func rejectsBadValuesWithASpecificMessage(input: String, message: String) {
    #expect(throws: LabError(message)) {
      try ArgumentBinder.bind(try Tokenizer.tokens(input), to: spec, commandPath: "kl")
    }
  }

  @Test func requiredArgumentsAreNamedWhenMissing() {
    #expect(throws: LabError("save needs path: the file to write, e.g. session.md (usage: save PATH)")) {
      try ArgumentBinder.bind([], to: SessionCommands.save, commandPath: "save")
    }
  }
}

struct SuggestionTests {
  @Test(arguments: [
    ("kll", "kl"), ("sampel", "sample"), ("SAMPEL", "sample"), ("samp", "sample"), ("hlep", "help"),
    ("xyz", nil as String?), (String(repeating: "sample", count: 500), nil),
  ])
  func suggestsNearbyCommands(typed: String, expected: String?) {
    #expect(Suggestions.closest(to: typed, in: CommandRegistry.standard.map(\.name)) == expected)
  }

  @Test func editDistance() {
    #expect(Suggestions.editDistance("kitten", "sitting") == 3)
    #expect(Suggestions.editDistance("", "abc") == 3)
    #expect(Suggestions.editDistance("same", "same") == 0)
    #expect(Suggestions.editDistance("hlep", "help") == 1)
  }
}
