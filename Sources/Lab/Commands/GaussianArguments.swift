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

  /// Reads `mean`, `sigma` and `logvar` arguments (one Gaussian's names).
  static func read(
    _ arguments: Arguments, mean: String, sigma: String, logvar: String
  ) throws(LabError) -> GaussianArguments {
    try requireOneSpread(arguments, sigma: sigma, logvar: logvar)
    let usesLogVariance = arguments.isGiven(logvar)
    let means = try arguments.required(mean, arguments.reals)
    let spreads = try arguments.required(usesLogVariance ? logvar : sigma, arguments.reals)
    let named = [(mean, means), (usesLogVariance ? logvar : sigma, spreads)]
    let dimension = try commonDimension(named)
    let meanVector = broadcast(means.values, to: dimension)
    let spreadVector = broadcast(spreads.values, to: dimension)
    let gaussian =
      usesLogVariance
      ? DiagonalGaussian(mean: meanVector, logVariance: spreadVector)
      : DiagonalGaussian(mean: meanVector, standardDeviation: spreadVector)
    let isVector = means.isVector || spreads.isVector
    let meanText = NumberFormat.shortest(meanVector[0])
    let spreadText = NumberFormat.shortest(spreadVector[0])
    let label = usesLogVariance ? "N(\(meanText), exp(\(spreadText)))" : "N(\(meanText), \(spreadText)^2)"
    return GaussianArguments(gaussian: gaussian, isVector: isVector, usesLogVariance: usesLogVariance, label: label)
  }

  /// A Gaussian's spread is given as a standard deviation or a log variance, never both.
  static func requireOneSpread(_ arguments: Arguments, sigma: String, logvar: String) throws(LabError) {
    if arguments.isGiven(sigma) && arguments.isGiven(logvar) {
      throw LabError("give \(sigma) or \(logvar), not both (\(logvar) = log \(sigma)^2)")
    }
  }

  /// The one dimension all vector arguments share; plain numbers fit any.
  static func commonDimension(_ named: [(String, (values: [Double], isVector: Bool))]) throws(LabError) -> Int {
    let vectors = named.filter { $0.1.isVector }
    guard let first = vectors.first else { return 1 }
    for other in vectors.dropFirst() where other.1.values.count != first.1.values.count {
      throw LabError(
        "\(first.0) has \(first.1.values.count) dimensions but \(other.0) has \(other.1.values.count); vectors must have one length (a plain number is used for every dimension)"
      )
    }
    return first.1.values.count
  }

  static func broadcast(_ values: [Double], to dimension: Int) -> [Double] {
    values.count == dimension ? values : Array(repeating: values[0], count: dimension)
  }
}
