import NeuralNet
import Probability

extension Activation: ArgumentChoice {}
extension Likelihood: ArgumentChoice {}
extension OptimizerKind: ArgumentChoice {}
extension VAEConfiguration.Kind: ArgumentChoice {}
extension LatentGradientEstimator: ArgumentChoice {}

/// `vae`: build a small VAE, step it, and look at what it learned.
enum VAECommand {
  static let spec = CommandSpec(
    name: "vae",
    summary:
      "build, train and inspect a small VAE (new, step, show, encode, recon, sample, decode, interp, traverse, latent, compare, sweep, probe, compress, density, bound, estimators, curves, gradcheck, save, load)",
    discussion: """
      The VAE of pytorch/examples: encoder D-H-(mu, logvar) with ReLU (or tanh or sigmoid), decoder L-H-D,
      loss per example = reconstruction + beta * KL, both summed over dimensions,
      one reparameterised sample z = mu + exp(logvar / 2) * eps per example. Start
      with 'vae new', train with 'vae step', and look with 'vae show'.
      """,
    subcommands: [
      new, step, show, encode, recon, sample, decode, interp, traverse, latent, compare, sweep, probe, compress,
      density, bound, estimators,
      curves,
      gradcheck,
      save,
      load,
    ])

  /// The workbench, or an error telling the user to make one.
  static func workbench(_ session: Session) throws(LabError) -> VAEWorkbench {
    guard let workbench = session.workbench else {
      throw LabError("no VAE yet: make one with 'vae new' (see help vae)")
    }
    return workbench
  }

  // MARK: vae new

  struct NewArguments: CommandArguments {
    @Positional(
      .nameOrPath(builtInData),
      help: "shapes, pinwheel, or a file: .npy (float32, float64, uint8), .csv, IDX (MNIST; also .gz)")
    var data: String = "shapes"
    @Named(.word("a CSV column name or 0-based index"), help: "a CSV column to leave out of the values")
    var label: String?
    @Named(1...256, help: "latent dimensions L") var latent: Int = 8
    @Named(1...4096, help: "hidden units: one layer H, or a stack [H1, H2, ...] the decoder mirrors")
    var hidden: [Int] = [128]
    @Named(help: "after each hidden layer: relu (as pytorch/examples), tanh or sigmoid")
    var activation: Activation = .relu
    @Named(
      help:
        "p(x|z): bernoulli for data in [0, 1], gaussian for real values (default: bernoulli when every value is in [0, 1])"
    )
    var likelihood: Likelihood?
    @Named(
      .closed(VAEConfiguration.defaultVarianceLimits.lowerBound, VAEConfiguration.defaultVarianceLimits.upperBound),
      help:
        "the gaussian likelihood's fixed variance (default: (0.1 s)^2, s^2 the data's variance averaged over dimensions)"
    )
    var variance: Double?
    @Named(.closed(0, 1000), help: "weight of the KL term") var beta: Double = 1
    @Named(
      .word("constant, linear:STEPS or cyclical:STEPS"),
      help:
        "KL warm-up: the KL weight rises from 0 to beta over STEPS steps (linear), or in cycles of STEPS steps, rising over the first half (cyclical)"
    )
    var anneal: String = "constant"
    @Named(
      .closed(0, VAEConfiguration.largestFreeBits),
      help: "free bits: each latent dimension's batch-mean KL counts as at least this many nats")
    var freebits: Double = 0
    @Named(
      RealDomain(lower: 0, lowerIsInclusive: false, upper: 10, upperIsInclusive: true), help: "learning rate")
    var lr: Double = 0.001
    @Named(1...4096, help: "examples per step") var batch: Int = 64
    @Named(help: "adam or sgd") var optimizer: OptimizerKind = .adam
    @Named(help: "vae, or ae for the plain autoencoder") var kind: VAEConfiguration.Kind = .vae
    @Named(0...Int.max, help: "seed for the weights, batches and noise (default: from the session's stream)")
    var seed: Int?

    static let rules = ["beta, anneal and freebits shape the KL term, so only with kind=vae"]

    func validate() throws(LabError) {
      for (given, name) in [($beta.isGiven, "beta"), ($anneal.isGiven, "anneal"), ($freebits.isGiven, "freebits")]
      where given && kind == .autoencoder {
        throw LabError("\(name) shapes the KL term, and a plain autoencoder (kind=ae) has none", argument: name)
      }
    }
  }

  static let new = CommandSpec(
    name: "new",
    summary: "a fresh VAE on a data set",
    discussion: """
      Built-in data: shapes (16 x 16 images of a square, disc or triangle at a
      random position and scale; Bernoulli likelihood) and pinwheel (points in
      the plane; Gaussian likelihood). Or a file: NPY, CSV or IDX (MNIST's
      format, also gzipped); uint8 values are scaled to [0, 1]. 10% of the
      examples are held out.
      """,
    arguments: NewArguments.self,
    examples: [
      "vae new", "vae new shapes latent=2 hidden=256 beta=4", "vae new shapes hidden=[256, 64]",
      "vae new pinwheel latent=2", "vae new kind=ae", "vae new activation=tanh",
    ],
    action: { session, arguments throws(LabError) in
      let data = try openData(arguments.data, label: arguments.label, session: session)
      let choice = try likelihood(for: data, arguments)
      let kind = arguments.kind
      guard let schedule = KLSchedule(text: arguments.anneal) else {
        throw LabError(
          "anneal is constant, linear:STEPS or cyclical:STEPS with STEPS from 2 to \(KLSchedule.longest), not '\(arguments.anneal)'",
          argument: "anneal")
      }
      var configuration = VAEConfiguration(
        inputs: data.dimension, hidden: try hiddenSizes(arguments.hidden), latent: arguments.latent,
        activation: arguments.activation, likelihood: choice.likelihood, beta: arguments.beta, kind: kind,
        variance: choice.variance)
      configuration.klSchedule = schedule
      configuration.freeBits = arguments.freebits
      let batch = arguments.batch
      try requireMemory(for: configuration, batchSize: batch)
      // The session changes only once the model is made: Ctrl-C while its
      // weights are drawn leaves the session's random stream where it was.
      var sessionGenerator = session.generator
      let seed = arguments.seed.map { UInt64($0) } ?? sessionGenerator.next()
      let workbench = try freshWorkbench(
        data: data, configuration: configuration, optimizer: arguments.optimizer, learningRate: arguments.lr,
        batchSize: batch, seed: seed, label: arguments.label, shouldStop: session.shouldStop)
      if arguments.seed == nil { session.generator = sessionGenerator }
      session.workbench = workbench
      return Output(ModelSummary(workbench, notes: choice.reasons))
    })

  /// An untrained model as `vae new` makes it: its weights, then its batches
  /// and noise, from one generator seeded with `seed`. The same arguments give
  /// the same model and the same training, bit for bit. It asks `shouldStop`
  /// before each layer and every million weights, and before the optimiser's
  /// state is allocated: a network of hundreds of millions of weights takes
  /// seconds to draw, and Ctrl-C must stop it. `.interrupted` when it says stop.
  static func freshWorkbench(
    data: Dataset, configuration: VAEConfiguration, optimizer: OptimizerKind, learningRate: Double, batchSize: Int,
    seed: UInt64, label: String?, shouldStop: () -> Bool
  ) throws(LabError) -> VAEWorkbench {
    var generator = Xoshiro256StarStar(seed: seed)
    let model: VAE<Float>
    do throws(Interrupted) {
      model = try VAE<Float>(configuration, generator: &generator, shouldStop: shouldStop)
    } catch { throw .interrupted }
    if shouldStop() { throw .interrupted }
    return workbench(
      model, generator: generator, data: data, optimizer: optimizer, learningRate: learningRate, batchSize: batchSize,
      seed: seed, label: label)
  }

  /// A new model's workbench: its trainer draws batches and noise from
  /// `generator`, where the weights left it.
  private static func workbench(
    _ model: VAE<Float>, generator: Xoshiro256StarStar, data: Dataset, optimizer: OptimizerKind,
    learningRate: Double, batchSize: Int, seed: UInt64, label: String?
  ) -> VAEWorkbench {
    let trainer = Trainer(
      model: model, optimizer: Optimizer<Float>(optimizer, learningRate: learningRate), examples: data.training,
      batchSize: batchSize, generator: generator)
    return VAEWorkbench(data: data, trainer: trainer, seed: seed, label: label)
  }

  /// The likelihood `vae new` uses, its variance, and why, when the user did not say.
  /// Data in [0, 1] get the Bernoulli likelihood, as pytorch/examples gives MNIST's
  /// grey levels; other data the Gaussian, with the variance
  /// `VAEConfiguration.defaultVariance` gives them.
  static func likelihood(for data: Dataset, _ arguments: NewArguments) throws(LabError) -> (
    likelihood: Likelihood, variance: Double, reasons: [String]
  ) {
    var reasons: [String] = []
    let likelihood: Likelihood
    if let given = arguments.likelihood {
      likelihood = given
    } else {
      likelihood = data.isUnitInterval ? .bernoulli : .gaussian
      reasons.append(
        likelihood == .bernoulli
          ? "likelihood bernoulli: every value of \(data.name) lies in [0, 1] (likelihood=gaussian for the other)"
          : "likelihood gaussian: \(data.name) has values outside [0, 1], which a Bernoulli cannot model")
    }
    if likelihood == .bernoulli && !data.isUnitInterval {
      throw LabError("the bernoulli likelihood needs data in [0, 1], and \(data.name) is not; use likelihood=gaussian")
    }
    guard likelihood == .gaussian else {
      if arguments.variance != nil {
        throw LabError("variance= is the gaussian likelihood's; the bernoulli likelihood has none")
      }
      return (likelihood, 1, reasons)
    }
    if let variance = arguments.variance { return (likelihood, variance, reasons) }
    let choice = VAEConfiguration.defaultVariance(meanVariance: data.meanVariance)
    let (rule, spread): (String, Double)
    switch choice {
    case .unit:
      let why =
        data.trainingCount < 2 ? "one training example has no spread" : "the training values do not vary"
      reasons.append("variance 1: \(why) (variance= to change)")
      return (likelihood, choice.variance, reasons)
    case .scaled(_, let s):
      (rule, spread) = (" = (0.1 s)^2 to 3 digits", s)
    case .held(_, let scaled, let s):
      let (shown, limits) = (NumberFormat.rounded(scaled, significantDigits: 3), VAEConfiguration.defaultVarianceLimits)
      rule =
        ": (0.1 s)^2 = \(NumberFormat.significant(shown)) is held to [\(NumberFormat.significant(limits.lowerBound)), \(NumberFormat.significant(limits.upperBound))]"
      spread = s
    }
    let s = NumberFormat.shortest(NumberFormat.rounded(spread, significantDigits: 3))
    reasons.append(
      "variance \(NumberFormat.shortest(choice.variance))\(rule), where s = \(s) is the data's spread (the root of the variance averaged over dimensions); variance= to change"
    )
    return (likelihood, choice.variance, reasons)
  }

  /// The trained objective in words: `reconstruction + 4 KL` (beta != 1),
  /// `reconstruction + KL` (= -ELBO at beta = 1), `reconstruction` (autoencoder).
  /// With free bits: `reconstruction + KL (free bits 0.5)`.
  static func objectiveName(_ c: VAEConfiguration) -> String {
    guard c.kind == .vae else { return "reconstruction" }
    let bits = c.freeBits > 0 ? " (free bits \(NumberFormat.shortest(c.freeBits)))" : ""
    return (c.beta == 1 ? "reconstruction + KL" : "reconstruction + \(NumberFormat.shortest(c.beta)) KL") + bits
  }

  /// Whether training minimises -ELBO itself: a VAE at beta 1 throughout, without free bits.
  static func trainsNegativeELBO(_ c: VAEConfiguration) -> Bool {
    c.kind == .vae && c.beta == 1 && c.klSchedule == .constant && c.freeBits == 0
  }

  /// What the objective is called in one word: loss (-ELBO), objective (anything else), reconstruction.
  static func objectiveWord(_ c: VAEConfiguration) -> String {
    c.kind == .autoencoder ? "reconstruction" : (trainsNegativeELBO(c) ? "loss" : "objective")
  }

  static func layers(_ sizes: [Int]) -> String { sizes.map(String.init).joined(separator: "-") }

  /// Hidden widths from `hidden=`: at most eight layers.
  static func hiddenSizes(_ sizes: [Int]) throws(LabError) -> [Int] {
    guard sizes.count <= 8 else {
      throw LabError("hidden has \(sizes.count) layers; vaelab builds at most 8", argument: "hidden")
    }
    return sizes
  }

  static func architecture(_ c: VAEConfiguration) -> String {
    c.kind == .vae
      ? "\(c.inputs)-\(layers(c.hidden))-(\(c.latent), \(c.latent)) encoder, \(c.latent)-\(layers(c.hidden.reversed()))-\(c.inputs) decoder (\(c.activation.rawValue))"
      : "\(c.inputs)-\(layers(c.hidden))-\(c.latent) encoder, \(c.latent)-\(layers(c.hidden.reversed()))-\(c.inputs) decoder (\(c.activation.rawValue); plain autoencoder)"
  }

  /// A model as `vae new`, `vae load` and `vae show` describe it: its
  /// configuration, optimiser, seed and data.
  struct ModelSummary: CommandResult {
    var kind: VAEConfiguration.Kind
    var inputs: Int
    var hidden: [Int]
    var activation: Activation
    var latent: Int
    var likelihood: Likelihood
    /// The Gaussian likelihood's variance; a Bernoulli has none.
    @Nullable var variance: Double?
    /// The KL weight; a plain autoencoder has no KL term.
    @Nullable var beta: Double?
    /// The KL schedule (`linear:1000`), when not constant.
    var anneal: String?
    /// Free bits in nats per dimension, when on.
    var freeBits: Double?
    var optimizer: OptimizerKind
    var lr: Double
    var batch: Int
    /// As a string: a seed may pass JSON's safe integers.
    var seed: String
    var parameters: Int
    var data: String
    var trainingExamples: Int
    var heldOutExamples: Int
    var step: Int
    // For the text only:
    var configuration: VAEConfiguration
    var imageSize: (width: Int, height: Int)?
    /// A line before the description (`loaded PATH at step N`).
    var heading: String?
    /// Lines after it (why vae new chose a likelihood and variance).
    var notes: [String] = []

    enum CodingKeys: String, CodingKey {
      case kind, inputs, hidden, activation, latent, likelihood, variance, beta, anneal, freeBits = "free_bits"
      case optimizer, lr, batch, seed
      case parameters, data, trainingExamples = "training_examples", heldOutExamples = "held_out_examples", step
    }

    init(_ workbench: VAEWorkbench, heading: String? = nil, notes: [String] = []) {
      let c = workbench.configuration
      let optimizer = workbench.trainer.optimizer
      (kind, inputs, hidden, activation, latent, likelihood) = (
        c.kind, c.inputs, c.hidden, c.activation, c.latent, c.likelihood
      )
      variance = c.likelihood == .gaussian ? c.variance : nil
      beta = c.kind == .vae ? c.beta : nil
      anneal = c.klSchedule == .constant ? nil : c.klSchedule.text
      freeBits = c.freeBits > 0 ? c.freeBits : nil
      (self.optimizer, lr, batch, seed) = (
        optimizer.kind, optimizer.learningRate, workbench.trainer.batchSize, String(workbench.seed)
      )
      parameters = workbench.model.parameterCount
      (data, trainingExamples, heldOutExamples) = (
        workbench.data.name, workbench.data.trainingCount, workbench.data.heldOutCount
      )
      step = workbench.trainer.steps
      (configuration, imageSize, self.heading, self.notes) = (c, workbench.data.imageSize, heading, notes)
    }

    func text(for presentation: Presentation) -> String {
      let shape = imageSize.map { " (\($0.width) x \($0.height) images)" } ?? ""
      let variance = self.variance.map { " (variance \(NumberFormat.shortest($0)))" } ?? ""
      let beta = self.beta.map { ", beta \(NumberFormat.shortest($0))" } ?? ""
      let lines = [
        "\(kind == .vae ? "VAE" : "autoencoder"): \(architecture(configuration)), \(parameters) parameters",
        "likelihood \(likelihood.rawValue)\(variance)\(beta); \(optimizer.rawValue), lr \(NumberFormat.shortest(lr)), batch \(batch); seed \(seed)",
        "data \(data): \(trainingExamples) training and \(heldOutExamples) held-out examples of \(inputs) values\(shape)",
      ]
      return ((heading.map { [$0] } ?? []) + lines + klTermLines(configuration, step: step) + notes).joined(
        separator: "\n")
    }
  }

  /// The KL schedule and free bits in words, with the weight the next step
  /// gives KL; nothing when neither is on.
  static func klTermLines(_ c: VAEConfiguration, step: Int) -> [String] {
    var lines: [String] = []
    let beta = NumberFormat.shortest(c.beta)
    let now = NumberFormat.shortest(
      NumberFormat.rounded(c.beta * c.klSchedule.weight(afterSteps: step), significantDigits: 4))
    switch c.klSchedule {
    case .constant: break
    case .linear(let steps):
      lines.append(
        "KL warm-up (Bowman et al. 2016): the KL weight rises linearly from 0 to beta = \(beta) over steps 1-\(steps); the next step's is \(now)"
      )
    case .cyclical(let period):
      lines.append(
        "cyclical KL annealing (Fu et al. 2019): cycles of \(period) steps, the KL weight rising from 0 to beta = \(beta) over each cycle's first half; the next step's is \(now)"
      )
    }
    if c.freeBits > 0 {
      lines.append(
        "free bits (Kingma et al. 2016): each latent dimension's batch-mean KL counts as at least \(NumberFormat.shortest(c.freeBits)) nat\(c.freeBits == 1 ? "" : "s"), so training does not push it lower"
      )
    }
    return lines
  }

  /// Refuses a model whose training would pass the memory budget, before any of it is allocated.
  static func requireMemory(for configuration: VAEConfiguration, batchSize: Int) throws(LabError) {
    if let refusal = MemoryBudget.refusal(
      configuration.trainingBytes(batchSize: batchSize),
      for: "training a model of \(configuration.parameterCount) parameters on batches of \(batchSize)")
    {
      throw LabError(refusal + "; try fewer or smaller hidden layers, or a smaller batch")
    }
  }

}
