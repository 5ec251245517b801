using Pipelines.Numerics.LinearAlgebra;

namespace Pipelines.Transforms.LowRank;

/// <summary>A plain-LoRA adapter set converted from a trained PiSSA-type one, and the error the conversion introduced.</summary>
/// <param name="Adapters">LoRA adapters that apply to the original base weights W.</param>
/// <param name="RelativeErrors">Per target ‖ΔW − s·A·B‖_F / ‖ΔW‖_F (0 for the exact rank-2r conversion).</param>
internal sealed record ConvertedAdapters(AdapterSet Adapters, IReadOnlyList<double> RelativeErrors);

/// <summary>
/// PiSSA → LoRA conversion (peft <c>save_pretrained(path_initial_model_for_weight_conversion=…)</c>): a trained
/// PiSSA-type adapter on W_res = W − s·A₀·B₀ equals a plain LoRA on W with ΔW = s·(A′·B′ − A₀·B₀).
/// </summary>
internal static class AdapterConversion
{
    /// <summary>
    /// Exact rank-2r conversion as peft: A = [A′ | A₀] (in×2r), B = [B′; −B₀] (2r×out), r ← 2r, α ← 2α (s unchanged).
    /// </summary>
    /// <exception cref="InvalidOperationException">The set has no initial factors or its base was not mutated.</exception>
    public static ConvertedAdapters ToLoraExact(AdapterSet trained)
    {
        ArgumentNullException.ThrowIfNull(trained);
        IReadOnlyList<AdapterFactors> initial = RequireInitial(trained);
        var converted = new List<AdapterFactors>();
        for (int i = 0; i < trained.Adapters.Count; i++)
        {
            AdapterFactors f = trained.Adapters[i];
            AdapterFactors f0 = initial[i];
            (Matrix a, Matrix b) = Stack(f, f0);
            LowRankTarget t = f.Target with { Rank = 2 * f.Rank, Alpha = f.Target.AlphaFor(f.Scale, 2 * f.Rank) };
            converted.Add(new AdapterFactors(t, a, b, LowRankMethod.Lora) { Magnitude = f.Magnitude }); // DoRA: V = W + s·ΔW is unchanged, so m carries over
        }

        return new ConvertedAdapters(new AdapterSet(converted, null, ConvertedConfig(trained.Config, converted, "pissa_to_lora_rank_2r", null)), new double[converted.Count]);
    }

    /// <summary>
    /// Rank-r conversion: ΔW/s = [A′ | A₀]·[B′; −B₀] is re-factored with two thin QRs (A = Q_a·R_a, Bᵀ = Q_b·R_b), an
    /// SVD of the 2r×2r core R_a·R_bᵀ = U·Σ·Vᵀ, and truncation to <paramref name="rank"/> (default r):
    /// A = Q_a·U_k·√Σ_k, B = √Σ_k·V_kᵀ·Q_bᵀ, α scaled so s is unchanged. Cost O((in + out)·r²).
    /// </summary>
    /// <exception cref="InvalidOperationException">The set has no initial factors or its base was not mutated.</exception>
    /// <exception cref="ArgumentException">2r exceeds a target's dimensions.</exception>
    public static ConvertedAdapters ToLoraRecompressed(AdapterSet trained, int? rank = null)
    {
        ArgumentNullException.ThrowIfNull(trained);
        IReadOnlyList<AdapterFactors> initial = RequireInitial(trained);
        var converted = new List<AdapterFactors>();
        var errors = new List<double>();
        double totalErrSq = 0;
        double totalSq = 0;
        for (int i = 0; i < trained.Adapters.Count; i++)
        {
            AdapterFactors f = trained.Adapters[i];
            (Matrix a, Matrix b) = Stack(f, initial[i]);
            int k = Math.Min(rank ?? f.Rank, a.Cols);
            if (a.Rows < a.Cols || b.Cols < b.Rows)
            {
                throw new ArgumentException($"{f.Target.Module}: rank 2r = {a.Cols} exceeds in = {a.Rows} or out = {b.Cols}; use the exact conversion.");
            }

            QrFactorization qa = HouseholderQr.Factor(a);
            Matrix qbt = HouseholderQr.FactorTransposed(b.Transpose(), out Matrix rb);
            SvdResult core = JacobiSvd.Compute(MatrixOps.Multiply(qa.R, rb, transposeB: true));
            SvdResult top = core.Slice(0, k);
            Matrix newA = MatrixOps.Multiply(qa.Q, top.U);
            Matrix newB = MatrixOps.Multiply(top.Vt, qbt);
            for (int j = 0; j < k; j++)
            {
                float sq = MathF.Sqrt(top.S[j]);
                for (int r = 0; r < newA.Rows; r++)
                {
                    newA[r, j] *= sq;
                }

                System.Numerics.Tensors.TensorPrimitives.Multiply(newB.Row(j), sq, newB.Row(j));
            }

            double all = core.S.Sum(x => (double)x * x);
            double dropped = core.S.Skip(k).Sum(x => (double)x * x);
            errors.Add(all > 0 ? Math.Sqrt(dropped / all) : 0);
            double s2 = (double)f.Scale * f.Scale;
            totalErrSq += s2 * dropped;
            totalSq += s2 * all;

            // Keep s = α/r: α_new = s·k.
            LowRankTarget t = f.Target with { Rank = k, Alpha = f.Target.AlphaFor(f.Scale, k) };
            converted.Add(new AdapterFactors(t, newA, newB, LowRankMethod.Lora) { Magnitude = f.Magnitude });
        }

        double overall = totalSq > 0 ? Math.Sqrt(totalErrSq / totalSq) : 0;
        return new ConvertedAdapters(new AdapterSet(converted, null, ConvertedConfig(trained.Config, converted, "pissa_to_lora_rank_r", overall)), errors);
    }

    private static IReadOnlyList<AdapterFactors> RequireInitial(AdapterSet set)
    {
        if (set.Initial is null)
        {
            throw new InvalidOperationException("The adapter set has no initial factors (A₀, B₀); conversion to LoRA needs them.");
        }

        return set.Initial;
    }

    private static (Matrix A, Matrix B) Stack(AdapterFactors f, AdapterFactors f0)
    {
        int r = f.Rank;
        int r0 = f0.Rank;
        var a = new Matrix(f.A.Rows, r + r0);
        for (int i = 0; i < a.Rows; i++)
        {
            f.A.Row(i).CopyTo(a.Row(i)[..r]);
            f0.A.Row(i).CopyTo(a.Row(i)[r..]);
        }

        var b = new Matrix(r + r0, f.B.Cols);
        f.B.Data.AsSpan().CopyTo(b.Data);
        Span<float> lower = b.Data.AsSpan(r * b.Cols);
        System.Numerics.Tensors.TensorPrimitives.Negate(f0.B.Data, lower);
        return (a, b);
    }

    private static AdapterConfig ConvertedConfig(AdapterConfig source, IReadOnlyList<AdapterFactors> converted, string tag, double? error)
    {
        int r = converted.GroupBy(c => c.Rank).OrderByDescending(g => g.Count()).First().Key;
        float alpha = converted.First(c => c.Rank == r).Target.Alpha;
        return source with
        {
            R = r,
            LoraAlpha = alpha,
            InitLoraWeights = System.Text.Json.JsonDocument.Parse("true").RootElement.Clone(),
            RankPattern = converted.Where(c => c.Rank != r).ToDictionary(c => c.Target.Module, c => c.Rank),
            AlphaPattern = converted.Where(c => c.Target.Alpha != alpha).ToDictionary(c => c.Target.Module, c => c.Target.Alpha),
            Pipelines = source.Pipelines with { BaseUntouched = true, Conversion = tag, ConversionRelError = error },
        };
    }
}
