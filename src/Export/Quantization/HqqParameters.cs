namespace Pipelines.Export.Quantization;

/// <summary>
/// The half-quadratic solver of <see cref="BlockScaleSearch.Hqq"/> (Badri &amp; Shaji 2023): the l_p norm, the initial penalty β
/// (in code units: residuals are divided by the block's scale, so β does not depend on the weights' magnitude), its growth κ per
/// iteration and the number of iterations.
/// </summary>
/// <param name="P">The l_p exponent, in (0, 1].</param>
/// <param name="Beta">The initial penalty β &gt; 0.</param>
/// <param name="Kappa">β's growth per iteration, ≥ 1.</param>
/// <param name="Iterations">Alternations of shrinkage and zero-point / scale update (0: the search alone).</param>
/// <param name="UpdateScale">Also update the scale in closed form each iteration (the paper's optional step).</param>
public sealed record HqqParameters(double P = HqqParameters.Defaults.P, double Beta = HqqParameters.Defaults.Beta, double Kappa = HqqParameters.Defaults.Kappa,
    int Iterations = HqqParameters.Defaults.Iterations, bool UpdateScale = true)
{
    /// <summary>The paper's values (p 0.7, β 10, κ 1.01, 20 iterations).</summary>
    public static class Defaults
    {
        /// <summary>l_p exponent.</summary>
        public const double P = 0.7;

        /// <summary>Initial β.</summary>
        public const double Beta = 10;

        /// <summary>Growth of β per iteration.</summary>
        public const double Kappa = 1.01;

        /// <summary>Iterations.</summary>
        public const int Iterations = 20;
    }

    /// <summary>The paper's values.</summary>
    public static HqqParameters Default { get; } = new();

    /// <summary>Throws naming the bad value.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (P is <= 0 or > 1 || Beta <= 0 || Kappa < 1 || Iterations < 0 || !double.IsFinite(Beta) || !double.IsFinite(Kappa))
        {
            throw new ArgumentException($"HQQ parameters out of range: p {P} (0, 1], β {Beta} > 0, κ {Kappa} ≥ 1, iterations {Iterations} ≥ 0.");
        }
    }
}
