using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;

namespace Pipelines.Transforms.LowRank;

/// <summary>
/// EVA (Paischer et al. 2024, "One initialization to rule them all"; peft <c>tuners/lora/eva.py</c>): the inputs X of
/// every target are exposed as extra outputs of an ONNX Runtime forward pass over the calibration batches; an
/// incremental, mean-centred SVD per distinct input (q, k and v share one) keeps round(ρ·r) components; ranks are
/// redistributed globally by explained variance ξᵢ = σᵢ²/Σ var so that they still sum to Σr; then A = V[:r_new]ᵀ
/// (in×r_new), B = 0. The base model is untouched, so outputs are unchanged at initialisation.
/// </summary>
internal static class EvaInitializer
{
    public static AdaptedModel Initialize(OnnxModel model, LowRankOptions options)
    {
        EvaOptions eva = options.Eva!;
        if (eva.Batches.Count == 0)
        {
            throw new ArgumentException("EVA needs at least one calibration batch.", nameof(options));
        }

        var clock = Stopwatch.StartNew();
        IReadOnlyList<LowRankTarget> targets = LowRankTargets.Resolve(model, options);
        Dictionary<string, OnnxNode> nodes = model.Graph.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        string[] inputOf = targets.Select(t => nodes[t.Weight.Node].Inputs[0]).ToArray();
        List<string> distinct = inputOf.Distinct(StringComparer.Ordinal).ToList();

        // Components per distinct input: the most any target reading it needs.
        var components = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < targets.Count; i++)
        {
            int k = RankRedistribution.Pool(eva.Rho, targets[i].Rank, targets[i].InFeatures);
            components[inputOf[i]] = Math.Max(components.GetValueOrDefault(inputOf[i]), k);
        }

        var states = distinct.ToDictionary(x => x, x => new IncrementalSvd(components[x], options.Seed), StringComparer.Ordinal);
        var rankOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < targets.Count; i++)
        {
            rankOf[inputOf[i]] = Math.Max(rankOf.GetValueOrDefault(inputOf[i]), targets[i].Rank);
        }

        using (var probe = new ActivationProbe(model, distinct))
        {
            for (int pass = 0; pass < eva.MaxPasses && states.Any(kv => !kv.Value.Converged(rankOf[kv.Key], eva.Tau)); pass++)
            {
                foreach (TensorBatch batch in eva.Batches)
                {
                    Dictionary<string, Matrix> acts = Activations(probe, batch, distinct.Where(x => !states[x].Converged(rankOf[x], eva.Tau)).ToList());
                    foreach ((string x, Matrix rows) in acts)
                    {
                        states[x].Update(rows);
                    }

                    if (states.All(kv => kv.Value.Converged(rankOf[kv.Key], eva.Tau)))
                    {
                        break;
                    }
                }
            }
        }

        // Global redistribution: the Σr largest ξ over all targets' candidate components win.
        var offered = new double[targets.Count][];
        for (int i = 0; i < targets.Count; i++)
        {
            IncrementalSvd s = states[inputOf[i]];
            double[] xi = s.ExplainedVarianceRatio();
            offered[i] = xi.Take(RankRedistribution.Pool(eva.Rho, targets[i].Rank, Math.Min(s.Components, xi.Length))).ToArray();
        }

        int[] newRank = RankRedistribution.Allocate(offered, targets.Sum(t => t.Rank));

        var factors = new List<AdapterFactors>();
        var reports = new List<LayerReport>();
        var kept = new List<LowRankTarget>();
        for (int i = 0; i < targets.Count; i++)
        {
            LowRankTarget t = targets[i];
            int r = newRank[i];
            IncrementalSvd s = states[inputOf[i]];
            double[] xi = s.ExplainedVarianceRatio();
            float alpha = eva.AdjustScaling ? t.AlphaFor(t.Scale, r) : t.Alpha;
            reports.Add(new LayerReport(
                t.Module, t.Weight.Initializer, t.Weight.Role.ShortName(), t.Weight.Layer, t.InFeatures, t.OutFeatures, r, alpha,
                xi.Take(r).Sum(), 1.0, double.NaN, double.NaN, s.Updates, 0));
            if (r == 0)
            {
                continue;
            }

            LowRankTarget nt = t with { Rank = r, Alpha = alpha };
            kept.Add(nt);
            Matrix a = s.Vt!.RowRange(0, r).Transpose();
            var f = new AdapterFactors(nt, a, new Matrix(r, t.OutFeatures), LowRankMethod.Eva);
            factors.Add(options.Dora ? LowRankInitializer.WithDoraMagnitude(LowRankInitializer.ReadWeight(model, nt), f, null) : f);
        }

        OnnxModel adapted = model.Clone();
        AdaptedGraphWriter.Apply(adapted, factors, new Dictionary<string, Matrix>(), new Dictionary<string, AdapterFactors>());
        AdapterConfig config = AdapterConfig.Create(options, kept, LowRankInitializer.Sha256(model));
        var set = new AdapterSet(factors, factors.Select(LowRankInitializer.Copy).ToList(), config);
        return new AdaptedModel(adapted, set, new InitializationReport(LowRankMethod.Eva, reports, clock.Elapsed.TotalSeconds));
    }

    // Runs one batch and returns each requested activation as rows × features, padding rows dropped.
    internal static Dictionary<string, Matrix> Activations(ActivationProbe probe, TensorBatch batch, List<string> wanted)
    {
        var result = new Dictionary<string, Matrix>(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return result;
        }

        long[]? mask = BertInputs.AttentionMaskOf(batch);
        using IDisposableReadOnlyCollection<OrtValue> outs = probe.Run(batch, wanted);
        for (int i = 0; i < wanted.Count; i++)
        {
            long[] shape = outs[i].GetTensorTypeAndShape().Shape;
            ReadOnlySpan<float> data = outs[i].GetTensorDataAsSpan<float>();
            int d = (int)shape[^1];
            int n = data.Length / d;
            bool masked = mask is not null && mask.Length == n;
            int keep = masked ? mask!.Count(v => v != 0) : n;
            var rows = new Matrix(keep, d);
            int r = 0;
            for (int j = 0; j < n; j++)
            {
                if (!masked || mask![j] != 0)
                {
                    data.Slice(j * d, d).CopyTo(rows.Row(r++));
                }
            }

            result[wanted[i]] = rows;
        }

        return result;
    }
}
