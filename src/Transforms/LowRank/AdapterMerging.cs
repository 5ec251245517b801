using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Onnx.Adapters;

namespace Pipelines.Transforms.LowRank;

/// <summary>
/// Unmerge on ONNX graphs, the inverse of <see cref="AdapterMerger.Merge"/> (the one merger, in <c>Pipelines.Onnx.Adapters</c>):
/// subtracts the adapters from the merged weights and re-inserts the branches, so
/// <c>Unmerge(AdapterMerger.Merge(m).Model, adapters)</c> gives back <c>m</c> up to float rounding.
/// </summary>
internal static class AdapterMerging
{
    /// <summary>
    /// Re-inserts <paramref name="adapters"/> into a merged model: W_res = W − s·A·B (+ s·A₀·B₀ when the set keeps the
    /// base untouched, which is then written back as W) and the adapter branches (a new model).
    /// </summary>
    public static OnnxModel Unmerge(OnnxModel merged, AdapterSet adapters)
    {
        ArgumentNullException.ThrowIfNull(merged);
        ArgumentNullException.ThrowIfNull(adapters);
        if (adapters.Config.UseDora)
        {
            // W' = V·diag(m / ‖V‖_c) fixes V only up to a positive factor per column; peft caches ‖V‖_c to unmerge.
            throw new NotSupportedException("A merged DoRA weight cannot be unmerged: W' = V·diag(m / ‖V‖_c) determines V only up to a factor per column. Keep the adapted model.");
        }

        OnnxModel result = merged.Clone();
        var residuals = new Dictionary<string, Matrix>(StringComparer.Ordinal);
        var frozen = new Dictionary<string, AdapterFactors>(StringComparer.Ordinal);
        for (int i = 0; i < adapters.Adapters.Count; i++)
        {
            AdapterFactors f = adapters.Adapters[i];
            Matrix m = LowRankInitializer.ReadWeight(result, f.Target);
            Gemm.Multiply(f.A.Data, false, f.B.Data, false, m.Data, m.Rows, m.Cols, f.Rank, alpha: -f.Scale, beta: 1f);
            if (!adapters.ResidualBase && adapters.Initial is not null && HasFrozenTerm(f.Method))
            {
                AdapterFactors f0 = adapters.Initial[i];
                Gemm.Multiply(f0.A.Data, false, f0.B.Data, false, m.Data, m.Rows, m.Cols, f0.Rank, alpha: f0.Scale, beta: 1f);
                frozen[f.Target.Module] = f0;
            }

            residuals[f.Target.Module] = m;
        }

        AdaptedGraphWriter.Apply(result, adapters.Adapters, residuals, frozen);
        return result;
    }

    internal static bool HasFrozenTerm(LowRankMethod method) =>
        method is LowRankMethod.Pissa or LowRankMethod.PissaFast or LowRankMethod.MiLora or LowRankMethod.OLora
            or LowRankMethod.CordaKpm or LowRankMethod.CordaIpm;
}
