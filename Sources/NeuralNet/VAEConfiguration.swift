/// What a VAE is: sizes, activation, likelihood, beta, and whether it is variational at all.
public struct VAEConfiguration: Codable, Sendable, Equatable {
  public enum Kind: String, Codable, Sendable, CaseIterable {
    case vae
    case autoencoder = "ae"
  }

  public var inputs: Int
  /// The encoder's hidden layer widths, first to last; the decoder mirrors them.
  public var hidden: [Int]
  public var latent: Int
  /// The nonlinearity after every hidden layer, encoder and decoder.
  public var activation: Activation
  public var likelihood: Likelihood
  public var beta: Double
  public var kind: Kind
  /// The fixed variance of the Gaussian likelihood (unused by Bernoulli).
  public var variance: Double

  /// How the KL weight moves during training (`KLSchedule`).
  public var klSchedule: KLSchedule = .constant
  /// Free bits (Kingma et al. 2016, "Improved variational inference with
  /// inverse autoregressive flow", eq. 15): each latent dimension's KL, averaged
  /// over the batch, enters the objective as max(freeBits, KL_j), so a
  /// dimension is not pushed below freeBits nats. 0 is off.
  public var freeBits: Double = 0
  /// The largest free bits accepted, in nats per dimension.
  public static let largestFreeBits = 100.0

  public init(
    inputs: Int, hidden: [Int], latent: Int, activation: Activation = .relu, likelihood: Likelihood = .bernoulli,
    beta: Double = 1, kind: Kind = .vae, variance: Double = 1
  ) {
    precondition(!hidden.isEmpty, "a VAE needs at least one hidden layer")
    self.inputs = inputs
    self.hidden = hidden
    self.latent = latent
    self.activation = activation
    self.likelihood = likelihood
    self.beta = beta
    self.kind = kind
    self.variance = variance
  }
}

extension VAEConfiguration {
  /// The Gaussian likelihood's fixed variance when none is given, for data of
  /// spread s (the root of the variance averaged over dimensions): (0.1 s)^2.
  /// A variance of 1 on data of a small scale makes reconstruction so cheap to
  /// ignore that the posterior collapses onto the prior.
  public enum DefaultVariance: Equatable, Sendable {
    /// (0.1 s)^2 to 3 significant digits, so that the value printed is the one used.
    case scaled(variance: Double, spread: Double)
    /// (0.1 s)^2 (`scaled`, unrounded) lies outside `defaultVarianceLimits`:
    /// the nearer end, which a data set of values near 1e-5 or 1e5 reaches.
    case held(variance: Double, scaled: Double, spread: Double)
    /// Data that do not vary (one example, or all alike) have no spread to scale: 1.
    case unit

    public var variance: Double {
      switch self {
      case .scaled(let variance, _), .held(let variance, _, _): variance
      case .unit: 1
      }
    }
  }

  /// The range `defaultVariance` holds (0.1 s)^2 to: the range `variance=` accepts.
  public static let defaultVarianceLimits = 1e-6...1e6

  /// The default variance for data whose variance, averaged over dimensions, is `meanVariance`.
  ///
  /// Edge cases: a `meanVariance` of 0 or NaN gives `unit`; +infinity is held to 1e6.
  public static func defaultVariance(meanVariance: Double) -> DefaultVariance {
    let spread = meanVariance.squareRoot()
    guard spread > 0 else { return .unit }
    let limits = defaultVarianceLimits
    let scaled = (0.1 * spread) * (0.1 * spread)
    let variance = SignificantDigits.rounded(min(max(scaled, limits.lowerBound), limits.upperBound), 3)
    return limits.contains(scaled)
      ? .scaled(variance: variance, spread: spread) : .held(variance: variance, scaled: scaled, spread: spread)
  }
}

extension VAEConfiguration {
  /// Weights and biases of the model this describes (fc22 only for a VAE).
  public var parameterCount: Int {
    let widths = [inputs] + hidden
    let encoder = zip(widths, widths.dropFirst()).reduce(0) { $0 + ($1.0 + 1) * $1.1 }
    let top = hidden.last ?? inputs
    let heads = (kind == .vae ? 2 : 1) * (top + 1) * latent
    let mirrored = [latent] + hidden.reversed() + [inputs]
    let decoder = zip(mirrored, mirrored.dropFirst()).reduce(0) { $0 + ($1.0 + 1) * $1.1 }
    return encoder + heads + decoder
  }

  /// An estimate from above of the memory a model of this shape takes to train
  /// on batches of `batchSize`, in bytes (nil beyond any count): per parameter,
  /// float32 weights, gradients, Adam's two moments and a checkpoint's copy;
  /// per example of a batch (at least the 256 an evaluation takes), each
  /// layer's values, pre-activations and gradients.
  public func trainingBytes(batchSize: Int) -> Int? {
    let widths = [inputs] + hidden + [latent, latent, latent] + hidden + [inputs]
    let perExample = widths.reduce(0, +)
    guard let parameters = DataLoader.product([parameterCount, 4, 5]),
      let activations = DataLoader.product([max(batchSize, 256), perExample, 4, 3])
    else { return nil }
    let (total, overflow) = parameters.addingReportingOverflow(activations)
    return overflow ? nil : total
  }

  /// One hidden layer of `hidden` units, as in pytorch/examples.
  public init(
    inputs: Int, hidden: Int, latent: Int, activation: Activation = .relu, likelihood: Likelihood = .bernoulli,
    beta: Double = 1, kind: Kind = .vae, variance: Double = 1
  ) {
    self.init(
      inputs: inputs, hidden: [hidden], latent: latent, activation: activation, likelihood: likelihood, beta: beta,
      kind: kind, variance: variance)
  }

  private enum CodingKeys: String, CodingKey {
    case inputs, hidden, latent, activation, likelihood, beta, kind, variance
    case klSchedule = "anneal", freeBits = "free_bits"
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(inputs, forKey: .inputs)
    try c.encode(hidden, forKey: .hidden)
    try c.encode(latent, forKey: .latent)
    try c.encode(activation, forKey: .activation)
    try c.encode(likelihood, forKey: .likelihood)
    try c.encode(beta, forKey: .beta)
    try c.encode(kind, forKey: .kind)
    try c.encode(variance, forKey: .variance)
    if klSchedule != .constant { try c.encode(klSchedule.text, forKey: .klSchedule) }
    if freeBits != 0 { try c.encode(freeBits, forKey: .freeBits) }
  }

  /// Decodes a configuration; checkpoints written before activations were
  /// configurable have no `activation` and used ReLU.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let hidden = try c.decode([Int].self, forKey: .hidden)
    guard !hidden.isEmpty else {
      throw DecodingError.dataCorruptedError(forKey: .hidden, in: c, debugDescription: "no hidden layers")
    }
    self.init(
      inputs: try c.decode(Int.self, forKey: .inputs), hidden: hidden,
      latent: try c.decode(Int.self, forKey: .latent),
      activation: try c.decodeIfPresent(Activation.self, forKey: .activation) ?? .relu,
      likelihood: try c.decode(Likelihood.self, forKey: .likelihood), beta: try c.decode(Double.self, forKey: .beta),
      kind: try c.decode(Kind.self, forKey: .kind), variance: try c.decode(Double.self, forKey: .variance))
    if let text = try c.decodeIfPresent(String.self, forKey: .klSchedule) {
      guard let schedule = KLSchedule(text: text) else {
        throw DecodingError.dataCorruptedError(
          forKey: .klSchedule, in: c, debugDescription: "anneal '\(text)' is not linear:STEPS or cyclical:STEPS")
      }
      klSchedule = schedule
    }
    if let bits = try c.decodeIfPresent(Double.self, forKey: .freeBits) {
      guard bits >= 0 && bits <= Self.largestFreeBits else {
        throw DecodingError.dataCorruptedError(
          forKey: .freeBits, in: c, debugDescription: "free bits \(bits) is not from 0 to \(Self.largestFreeBits)")
      }
      freeBits = bits
    }
  }
}
