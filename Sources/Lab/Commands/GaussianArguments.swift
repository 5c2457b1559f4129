import Probability

/// A diagonal Gaussian as the user gave it: mean and either sigma or logvar,
/// scalars standing for every dimension. Shared by `kl` and `sample`.
struct GaussianArguments {
  var gaussian: DiagonalGaussian
  /// True when any parameter was typed as a vector, so output is per dimension.
  var isVector: Bool
  /// True when the user gave logvar rather than sigma; the text output follows suit.
  var usesLogVariance: Bool
  /// `N(2, 1^2)` or `N(0, exp(-1.386))` as the user wrote it, for scalar headers.
  var label: String

  /// Bounds that keep every derived quantity finite: sigma^2 and 1/sigma^2 (at most
  /// 1e200), exp(logvar), and sums of squared deviations over 1e9 draws (at most
  /// 1e209 for |z| up to 1e100).
  static let meanDomain = RealDomain(
    lower: -1e100, lowerIsInclusive: true, upper: 1e100, upperIsInclusive: true,
    explanation: "from -1e100 to 1e100")
  static let standardDeviationDomain = RealDomain(
    lower: 1e-100, lowerIsInclusive: true, upper: 1e100, upperIsInclusive: true,
    explanation: "> 0 (from 1e-100 to 1e100)")
  static let logVarianceDomain = RealDomain.closed(-460, 460)

  /// One Gaussian from its mean and either its sigma or its logvar argument.
  init(
    mean: BoundArgument<ScalarOrVector>, sigma: BoundArgument<ScalarOrVector>,
    logvar: BoundArgument<ScalarOrVector?>
  ) throws(LabError) {
    try Self.requireOneSpread(sigma: sigma, logvar: logvar)
    let spread = logvar.value.map { (logvar.name, $0) } ?? (sigma.name, sigma.value)
    usesLogVariance = logvar.value != nil
    let dimension = try Self.commonDimension([(mean.name, mean.value), spread])
    let meanVector = Self.broadcast(mean.value.values, to: dimension)
    let spreadVector = Self.broadcast(spread.1.values, to: dimension)
    gaussian =
      usesLogVariance
      ? DiagonalGaussian(mean: meanVector, logVariance: spreadVector)
      : DiagonalGaussian(mean: meanVector, standardDeviation: spreadVector)
    isVector = mean.value.isVector || spread.1.isVector
    let meanText = NumberFormat.shortest(meanVector[0])
    let spreadText = NumberFormat.shortest(spreadVector[0])
    label = usesLogVariance ? "N(\(meanText), exp(\(spreadText)))" : "N(\(meanText), \(spreadText)^2)"
  }

  /// A Gaussian's spread is given as a standard deviation or a log variance, never both.
  static func requireOneSpread<Sigma, LogVariance>(
    sigma: BoundArgument<Sigma>, logvar: BoundArgument<LogVariance>
  ) throws(LabError) {
    if sigma.isGiven && logvar.isGiven {
      throw LabError("give \(sigma.name) or \(logvar.name), not both (\(logvar.name) = log \(sigma.name)^2)")
    }
  }

  /// The one dimension all vector arguments share; plain numbers fit any.
  static func commonDimension(_ named: [(String, ScalarOrVector)]) throws(LabError) -> Int {
    let vectors = named.filter { $0.1.isVector }
    guard let first = vectors.first else { return 1 }
    for other in vectors.dropFirst() where other.1.values.count != first.1.values.count {
      throw LabError(
        "\(first.0) has \(first.1.values.count) dimensions but \(other.0) has \(other.1.values.count); vectors must have one length (a plain number is used for every dimension)"
      )
    }
    return first.1.values.count
  }

  /// The same Gaussian in `dimension` dimensions, a plain number standing for each.
  func expanded(to dimension: Int) -> GaussianArguments {
    var expanded = self
    expanded.gaussian = DiagonalGaussian(
      mean: Self.broadcast(gaussian.mean, to: dimension),
      logVariance: Self.broadcast(gaussian.logVariance, to: dimension))
    return expanded
  }

  static func broadcast(_ values: [Double], to dimension: Int) -> [Double] {
    values.count == dimension ? values : Array(repeating: values[0], count: dimension)
  }
}

/// JSON: the Gaussian in both parameterisations, `{"mu", "sigma", "logvar"}`.
extension GaussianArguments: Encodable {
  enum CodingKeys: String, CodingKey { case mu, sigma, logvar }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(gaussian.mean, forKey: .mu)
    try container.encode(gaussian.standardDeviation, forKey: .sigma)
    try container.encode(gaussian.logVariance, forKey: .logvar)
  }
}
