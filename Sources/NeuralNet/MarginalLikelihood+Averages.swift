extension MarginalLikelihood {
  /// A mean over examples of their Monte Carlo estimates, with the standard
  /// error of that mean.
  public struct AveragedEstimate: Sendable, Equatable {
    public var value: Double
    public var standardError: Double

    /// The mean of `values` and, the examples' estimates being independent,
    /// the standard error of that mean from theirs:
    ///
    ///     Var((1/n) sum_i X_i) = (1/n^2) sum_i Var(X_i),   so   se = sqrt(sum_i se_i^2) / n.
    public init(values: [Double], standardErrors: [Double]) {
      value = Self.mean(values)
      standardError = standardErrors.reduce(0) { $0 + $1 * $1 }.squareRoot() / Double(standardErrors.count)
    }

    /// The plain mean, summed in order: NaN for no values.
    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
  }

  /// The bounds of several examples, averaged: what `vae bound` reports for a
  /// data set. Monte Carlo estimates carry the standard error of their mean;
  /// log p(x) carries the mean of the examples' errors (each a quadrature's
  /// change under a halved step, or an IWAE estimate's standard error), which
  /// is no smaller than the error of the mean.
  public struct AveragedBounds: Sendable {
    public var elbo: AveragedEstimate
    /// The mean of the exact ELBOs, where every example has one.
    public var expectedELBO: Double?
    /// For each k of the first example's bounds, in its order.
    public var importanceWeighted: [(k: Int, estimate: AveragedEstimate)]
    public var logMarginal: Double
    public var logMarginalError: Double
    /// The mean of the examples' gaps ELBO - log p(x).
    public var gap: Double

    /// The average of `bounds`, which share their ks (as `bounds(ks:...)` gives
    /// them for one list of ks). For none, every value is NaN.
    public init(_ bounds: [Bounds]) {
      let mean = AveragedEstimate.mean
      elbo = AveragedEstimate(values: bounds.map(\.elbo.mean), standardErrors: bounds.map(\.elbo.standardError))
      expectedELBO =
        bounds.allSatisfy { $0.expectedELBO != nil } ? mean(bounds.compactMap { $0.expectedELBO?.value }) : nil
      importanceWeighted = (bounds.first?.importanceWeighted ?? []).indices.map { i in
        let estimates = bounds.map { $0.importanceWeighted[i].moments }
        return (
          bounds[0].importanceWeighted[i].k,
          AveragedEstimate(values: estimates.map(\.mean), standardErrors: estimates.map(\.standardError))
        )
      }
      logMarginal = mean(bounds.map(\.logMarginal.value))
      logMarginalError = mean(bounds.map(\.logMarginal.error))
      gap = mean(bounds.map(\.gap))
    }
  }
}
