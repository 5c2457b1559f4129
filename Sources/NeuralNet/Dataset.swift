import Probability

/// Examples as rows of `dimension` values, split into training and held-out
/// parts, with the shape of an image when the rows are images.
public struct Dataset: Sendable {
  public var name: String
  public var dimension: Int
  /// Row-major training examples.
  public let training: [Float]
  /// Row-major held-out examples, never trained on.
  public let heldOut: [Float]
  /// Width and height when each row is a grayscale image, row by row.
  public var imageSize: (width: Int, height: Int)?
  /// What is known about each example beside its values: a data file's label
  /// column, or the factors that generated a built-in data set.
  public var factors: [ExampleFactor] = []
  /// Whether every value lies in [0, 1], as the Bernoulli likelihood needs;
  /// found once, when the data are made, as the values do not change.
  public let isUnitInterval: Bool

  /// The variance of each value across the training examples, averaged over
  /// the dimensions: the scale of the data, from which a Gaussian likelihood's
  /// default variance is set.
  public var meanVariance: Double {
    let count = trainingCount
    guard count > 1 else { return 0 }
    // Two passes, as RunningMoments makes them (the mean, then the squared
    // deviations from it), over the rows in memory order.
    var means = [Double](repeating: 0, count: dimension)
    for row in 0..<count {
      for d in 0..<dimension { means[d] += Double(training[row * dimension + d]) }
    }
    for d in 0..<dimension { means[d] /= Double(count) }
    var squaredDeviations = [Double](repeating: 0, count: dimension)
    for row in 0..<count {
      for d in 0..<dimension {
        let deviation = Double(training[row * dimension + d]) - means[d]
        squaredDeviations[d] += deviation * deviation
      }
    }
    return squaredDeviations.reduce(0) { $0 + $1 / Double(count - 1) } / Double(dimension)
  }

  public var trainingCount: Int { training.count / dimension }
  public var heldOutCount: Int { heldOut.count / dimension }

  public init(name: String, dimension: Int, training: [Float], heldOut: [Float], imageSize: (width: Int, height: Int)?)
  {
    self.name = name
    self.dimension = dimension
    self.training = training
    self.heldOut = heldOut
    self.imageSize = imageSize
    isUnitInterval = training.allSatisfy { $0 >= 0 && $0 <= 1 } && heldOut.allSatisfy { $0 >= 0 && $0 <= 1 }
  }

  /// The factor named `name`, if the data have it.
  public func factor(named name: String) -> ExampleFactor? { factors.first { $0.name == name } }

  /// Splits `rows` (row-major) into training and held-out parts, holding out
  /// `heldOutFraction` of them, chosen by a seeded shuffle; each factor's
  /// values (one per row) are split the same way.
  public init(
    name: String, dimension: Int, rows: [Float], heldOutFraction: Double, seed: UInt64,
    imageSize: (width: Int, height: Int)? = nil, factors: [ExampleFactor.Column] = []
  ) {
    let count = rows.count / dimension
    var order = Array(0..<count)
    var generator = Xoshiro256StarStar(seed: seed)
    for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
    let heldOutCount = count > 1 ? max(1, Int((Double(count) * heldOutFraction).rounded())) : 0
    func gather(_ indexes: ArraySlice<Int>) -> [Float] {
      indexes.flatMap { rows[($0 * dimension)..<(($0 + 1) * dimension)] }
    }
    self.init(
      name: name, dimension: dimension, training: gather(order[heldOutCount...]),
      heldOut: gather(order[..<heldOutCount]),
      imageSize: imageSize)
    self.factors = factors.map { column in
      ExampleFactor(
        name: column.name, classes: column.classes, training: order[heldOutCount...].map { column.values[$0] },
        heldOut: order[..<heldOutCount].map { column.values[$0] })
    }
  }
}

/// A property of each example beside its values, for looking at what a latent
/// space has found (colouring encodings, probing them): categorical, with
/// class names, or continuous.
public struct ExampleFactor: Sendable, Equatable {
  public var name: String
  /// The class names of a categorical factor, whose values are indexes into
  /// them; nil for a continuous factor.
  public var classes: [String]?
  public var training: [Double]
  public var heldOut: [Double]

  public var isCategorical: Bool { classes != nil }

  /// A factor's values for every example, before the split into training and held-out parts.
  public struct Column: Sendable {
    public var name: String
    public var classes: [String]?
    public var values: [Double]

    public init(name: String, classes: [String]?, values: [Double]) {
      self.name = name
      self.classes = classes
      self.values = values
    }

    /// A data file's label column as a factor: continuous when every field is
    /// a finite number and there are more than `largestClassCount` distinct
    /// ones; otherwise categorical, its classes sorted (as numbers when all are
    /// numbers, so `10` follows `9`).
    public init(name: String, labels: [String], largestClassCount: Int = 20) {
      self.name = name
      let numbers = labels.compactMap { Double($0) }.filter(\.isFinite)
      let distinct = Set(labels)
      if numbers.count == labels.count && distinct.count > largestClassCount {
        (classes, values) = (nil, numbers)
        return
      }
      let sorted =
        numbers.count == labels.count
        ? distinct.sorted { (Double($0) ?? 0) < (Double($1) ?? 0) } : distinct.sorted()
      let index = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, Double($0)) })
      (classes, values) = (sorted, labels.map { index[$0] ?? 0 })
    }
  }
}

/// Data sets generated on the spot from a seed: nothing to download.
public enum BuiltInData {
  /// 16 x 16 grayscale images of one shape (square, disc or triangle) at a
  /// random scale and position, in the spirit of dSprites (Matthey et al. 2017):
  /// four generating factors a good latent space should find, kept as the
  /// data's factors: `shape`, `x` and `y` (the centre, in pixels from the left
  /// and top) and `scale` (the half-size in pixels). Edges are
  /// anti-aliased by 4 x 4 supersampling, so pixels lie in [0, 1].
  public static func shapes(count: Int = 4096, seed: UInt64 = 0) -> Dataset {
    let side = 16
    var generator = Xoshiro256StarStar(seed: seed)
    var rows: [Float] = []
    rows.reserveCapacity(count * side * side)
    var factors = [[Double]](repeating: [], count: 4)
    for _ in 0..<count {
      let shape = Int(generator.next() % 3)
      let radius = 2.5 + 3.0 * generator.nextUniform()  // half-size in pixels, 2.5 to 5.5
      let cx = radius + (Double(side) - 2 * radius) * generator.nextUniform()
      let cy = radius + (Double(side) - 2 * radius) * generator.nextUniform()
      for (k, value) in [Double(shape), cx, cy, radius].enumerated() { factors[k].append(value) }
      for py in 0..<side {
        for px in 0..<side {
          var covered = 0
          for sy in 0..<4 {
            for sx in 0..<4 {
              let x = (Double(px) + (Double(sx) + 0.5) / 4 - cx) / radius
              let y = (Double(py) + (Double(sy) + 0.5) / 4 - cy) / radius
              if inside(shape: shape, x: x, y: y) { covered += 1 }
            }
          }
          rows.append(Float(covered) / 16)
        }
      }
    }
    return Dataset(
      name: "shapes", dimension: side * side, rows: rows, heldOutFraction: 0.1, seed: seed &+ 1,
      imageSize: (side, side),
      factors: [
        .init(name: "shape", classes: ["square", "disc", "triangle"], values: factors[0]),
        .init(name: "x", classes: nil, values: factors[1]),
        .init(name: "y", classes: nil, values: factors[2]),
        .init(name: "scale", classes: nil, values: factors[3]),
      ])
  }

  /// Whether (x, y), in units of the shape's half-size around its centre, is inside it.
  static func inside(shape: Int, x: Double, y: Double) -> Bool {
    switch shape {
    case 0: return abs(x) <= 0.85 && abs(y) <= 0.85  // square
    case 1: return x * x + y * y <= 1  // disc
    default: return y <= 0.8 && y >= -0.9 + 1.7 * abs(x)  // triangle, apex up (y grows downwards)
    }
  }

  /// The pinwheel: five curved arms in the plane (Johnson et al., "Composing
  /// graphical models with neural networks", NeurIPS 2016), for the Gaussian
  /// likelihood. Each point: radius ~ N(1, 0.3^2), tangent ~ N(0, 0.05^2),
  /// rotated by its arm's angle plus 0.25 * exp(radius). The arm is the data's factor `arm`.
  public static func pinwheel(count: Int = 4096, seed: UInt64 = 0) -> Dataset {
    let arms = 5
    var generator = Xoshiro256StarStar(seed: seed)
    var rows: [Float] = []
    var armOfEach: [Double] = []
    for _ in 0..<count {
      let arm = Int(generator.next() % UInt64(arms))
      armOfEach.append(Double(arm))
      let radius = 1 + 0.3 * NormalSampler.next(using: &generator)
      let tangent = 0.05 * NormalSampler.next(using: &generator)
      let angle = 2 * Double.pi * Double(arm) / Double(arms) + 0.25 * Double.exp(radius)
      let (c, s) = (Double.cos(angle), Double.sin(angle))
      rows.append(Float(2 * (c * radius - s * tangent)))
      rows.append(Float(2 * (s * radius + c * tangent)))
    }
    return Dataset(
      name: "pinwheel", dimension: 2, rows: rows, heldOutFraction: 0.1, seed: seed &+ 1,
      factors: [.init(name: "arm", classes: (1...arms).map { "arm \($0)" }, values: armOfEach)])
  }
}
