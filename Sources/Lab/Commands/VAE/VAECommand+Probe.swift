import NeuralNet
import Probability

extension VAECommand {
  // MARK: vae probe

  struct ProbeArguments: CommandArguments {
    @Named(
      .word("a factor of the data (shapes: shape, x, y, scale; pinwheel: arm; a data file: label)"),
      help: "probe this factor only (default: every factor)")
    var factor: String?
    @Named(.word("the label column given to vae new"), help: "probe the data file's label column")
    var label: String?
    @Named(0...Int.max, help: "seed for the random projection (default: the session's random stream)") var seed: Int?

    static let rules = ["give factor= or label=, not both: label=COLUMN is the factor called label"]

    func validate() throws(LabError) {
      if factor != nil && label != nil {
        throw LabError("give factor= or label=, not both: label=COLUMN is the factor called label", argument: "label")
      }
    }
  }

  static let probe = CommandSpec(
    name: "probe",
    summary:
      "representation: how well a linear probe reads each factor off the codes, the raw inputs, and a random projection",
    discussion: """
      A linear probe (Alain and Bengio 2016) is fitted on the training set and
      scored on the held-out set, for each factor of the data (a data file's
      label column, or the built-in data's generating factors): multinomial
      logistic regression for classes, scored by accuracy; least squares for a
      continuous factor, scored by R^2 = 1 - residual / total sum of squares.
      Both have a ridge penalty of 0.001 on standardised features and are fitted
      by L-BFGS. The probe reads three representations of the same examples:
      the model's codes (the encoder means, L numbers), the raw inputs (D
      numbers), and a random projection of the inputs to L numbers (their
      product with a D x L matrix of N(0, 1) draws). Codes near the raw inputs'
      score, and above the random projection's, are a representation learned:
      a few numbers that hold what matters about the example.
      """,
    arguments: ProbeArguments.self,
    examples: ["vae probe", "vae probe factor=shape", "vae probe seed=3"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let data = workbench.data
      let factors = try probedFactors(arguments, workbench: workbench)
      if let refusal = MemoryBudget.refusal(
        RepresentationProbes.memoryEstimate(
          data: data, latent: workbench.configuration.latent,
          classes: factors.map { $0.classes?.count ?? 1 }.max() ?? 1),
        for: "probing \(data.name)")
      {
        throw LabError(refusal)
      }
      guard data.trainingCount >= 2, data.heldOutCount >= 1 else {
        throw LabError(
          "\(data.name) has \(data.trainingCount) training and \(data.heldOutCount) held-out examples; a probe needs at least 2 to fit and 1 to score"
        )
      }
      var generator = session.generator(commandSeed: arguments.seed)
      session.progress?("vae probe: fitting \(3 * factors.count) probes")
      let probes: RepresentationProbes
      do {
        probes = try RepresentationProbes(
          model: workbench.model, data: data, factors: factors, generator: &generator,
          shouldStop: session.shouldStop)
      } catch { throw .interrupted }
      session.keep(generator, drawnWith: arguments.seed)
      return Output(ProbeResult(probes, seed: arguments.seed))
    })

  /// The most classes a probed factor may have.
  static let largestClassCount = 100

  /// The factors `factor=` or `label=` pick, or every factor of the data.
  static func probedFactors(_ arguments: ProbeArguments, workbench: VAEWorkbench) throws(LabError) -> [ExampleFactor] {
    let factors = try namedFactors(arguments, workbench: workbench)
    for factor in factors {
      if let classes = factor.classes, classes.count > largestClassCount {
        throw LabError(
          "\(factor.name) has \(classes.count) classes; a probe takes at most \(largestClassCount) (with nearly a class per example there is nothing to learn)"
        )
      }
    }
    return factors
  }

  static func namedFactors(_ arguments: ProbeArguments, workbench: VAEWorkbench) throws(LabError) -> [ExampleFactor] {
    let data = workbench.data
    if let column = arguments.label {
      guard let kept = workbench.label, let factor = data.factor(named: "label") else {
        throw LabError(
          "\(data.name) has no label column (vae new FILE.csv label=COLUMN keeps one)", argument: "label")
      }
      guard column == kept else {
        throw LabError("the data's label column is '\(kept)', not '\(column)'", argument: "label")
      }
      return [factor]
    }
    guard !data.factors.isEmpty else {
      throw LabError(
        "\(data.name) has nothing to probe for: no label column (vae new FILE.csv label=COLUMN keeps one) and no generating factors"
      )
    }
    guard let name = arguments.factor else { return data.factors }
    guard let factor = data.factor(named: name) else {
      throw LabError(
        "no factor '\(name)'; \(data.name) has \(data.factors.map(\.name).joined(separator: ", "))",
        argument: "factor")
    }
    return [factor]
  }

  struct ProbeResult: BlockResult {
    struct Factor: Encodable {
      var name: String
      /// `3 classes` or `continuous`.
      var target: String
      /// `accuracy` or `r2`.
      var metric: String
      var scores: JSONMembers<Nullable<Double>>
      @Nullable var chance: Double?
      var converged: JSONMembers<Bool>
    }
    var trainingExamples: Int
    var heldOutExamples: Int
    var dimensions: JSONMembers<Int>
    var penalty: Double
    /// The random projection's seed; null when it came from the session's stream.
    @Nullable var seed: Int?
    var factors: [Factor]
    // For the text only:

    enum CodingKeys: String, CodingKey {
      case trainingExamples = "training_examples", heldOutExamples = "held_out_examples", dimensions, penalty
      case seed, factors
    }

    init(_ probes: RepresentationProbes, seed: Int?) {
      let names = RepresentationProbes.Representation.allCases.map(\.rawValue)
      trainingExamples = probes.trainingCount
      heldOutExamples = probes.heldOutCount
      dimensions = JSONMembers(Array(zip(names, probes.dimensions)))
      penalty = LinearProbe.penalty
      self.seed = seed
      factors = probes.factors.map { factor in
        let target: String
        if case .classes(let count) = factor.target { target = "\(count) classes" } else { target = "continuous" }
        return Factor(
          name: factor.name, target: target, metric: factor.target == .continuous ? "r2" : "accuracy",
          scores: JSONMembers(zip(names, factor.scores.map { Nullable(wrappedValue: $0) }).map { ($0, $1) }),
          chance: factor.chance, converged: JSONMembers(Array(zip(names, factor.converged))))
      }
    }

    func blocks(for presentation: Presentation) -> [ResultBlock] {
      let sizes = dimensions.members.map(\.value)
      var table = TextTable(
        [
          ("factor", .left), ("target", .left), ("score", .left), ("codes (\(sizes[0]))", .right),
          ("raw inputs (\(sizes[1]))", .right), ("random projection (\(sizes[2]))", .right), ("chance", .right),
        ])
      var unconverged = false
      for factor in factors {
        let scores = zip(factor.scores.members, factor.converged.members).map { score, converged in
          unconverged = unconverged || !converged.value
          return (score.value.wrappedValue.map { NumberFormat.fixed($0, presentation.precision) } ?? "undefined")
            + (converged.value ? "" : "*")
        }
        table.append(
          [factor.name, factor.target, factor.metric == "r2" ? "R^2" : "accuracy"] + scores
            + [factor.chance.map { NumberFormat.fixed($0, presentation.precision) } ?? ""])
      }
      var lines = ResultBlocks()
      lines.append(
        "linear probes fitted on \(trainingExamples) training examples, scored on \(heldOutExamples) held-out ones (higher is better)"
      )
      lines.append(table)
      lines.append(contentsOf: [
        "probe: logistic regression (classes) or least squares (continuous), ridge penalty \(NumberFormat.shortest(penalty)), standardised features",
        "random projection: the inputs times a \(sizes[1]) x \(sizes[2]) matrix of N(0, 1) draws (\(seed.map { "seed \($0)" } ?? "from the session's random stream")); chance: the commonest class's share",
      ])
      if factors.contains(where: { $0.scores.members.contains { $0.value.wrappedValue == nil } }) {
        lines.append("undefined: R^2 of held-out values that are all equal (0 / 0)")
      }
      if unconverged {
        lines.append("*: the probe stopped before its gradient reached 1e-6 (iteration limit, or no further descent)")
      }
      return lines.all
    }
  }
}
