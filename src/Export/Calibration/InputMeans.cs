namespace Pipelines.Export.Calibration;

/// <summary>
/// Data-free estimates of the mean <c>E[x] [K]</c> of each MatMul input of a post-LayerNorm transformer, from the LayerNorm
/// affine parameters alone (no sample inputs), in the spirit of data-free bias correction (Nagel et al. 2019, DFQ: batch-norm
/// statistics stand in for activations). With <c>x = γ ⊙ z + β</c> and <c>z</c> taken as zero-mean, unit-variance, uncorrelated:
/// <list type="bullet">
/// <item>a LayerNorm-fed input (query, key, value, feed-forward in): <c>E[x] = β</c>;</item>
/// <item>the attention output projection's input (attention averages value rows): <c>E[x] = β·W_v + b_v</c>;</item>
/// <item>the feed-forward output's input <c>GELU(h)</c>, <c>h = x·W_in + b_in</c> with <c>μ = β·W_in + b_in</c>,
/// <c>σ²_j = Σ_i γ_i² W_in[i, j]²</c>: <c>E[hΦ(h)] = μΦ(μ/s) + (σ²/s)φ(μ/s)</c>, <c>s = √(1 + σ²)</c>.</item>
/// </list>
/// </summary>
public static class InputMeans
{
    /// <summary>The estimated mean of each MatMul input that can be traced to a LayerNorm, by input value name.</summary>
    public static IReadOnlyDictionary<string, double[]> FromLayerNorms(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Dictionary<string, OnnxTensor> inits = model.Graph.InitializerMap();
        Dictionary<string, OnnxNode> producers = model.Graph.ProducerMap();
        var nodes = model.Graph.Nodes.Where(n => n.OpType == "MatMul").ToDictionary(n => n.Name, StringComparer.Ordinal);
        var result = new Dictionary<string, double[]>(StringComparer.Ordinal);
        IReadOnlyList<LinearWeight> weights = ModelSummary.Create(model).Weights;
        foreach (IGrouping<int, LinearWeight> layer in weights.Where(w => w.Layer >= 0 && w.OpType == "MatMul" && !w.Transposed).GroupBy(w => w.Layer))
        {
            LinearWeight? Role(WeightRole r) => layer.FirstOrDefault(w => w.Role == r && nodes.ContainsKey(w.Node));
            (float[] Gamma, float[] Beta)? Affine(LinearWeight w) =>
                InputHessians.LayerNormAffine(nodes[w.Node].Inputs[0], (int)w.InFeatures, producers, inits);

            foreach (LinearWeight w in layer.Where(w => w.Role is WeightRole.Query or WeightRole.Key or WeightRole.Value or WeightRole.FfnIn && nodes.ContainsKey(w.Node)))
            {
                if (Affine(w) is (float[], float[] beta))
                {
                    result[nodes[w.Node].Inputs[0]] = [.. beta.Select(b => (double)b)];
                }
            }

            if (Role(WeightRole.Value) is LinearWeight v && Role(WeightRole.AttentionOutput) is LinearWeight o && Affine(v) is (float[], float[] vb))
            {
                (double[] mu, _) = Propagate(inits[v.Initializer], v.Bias is string b ? inits[b] : null, vb, null);
                result[nodes[o.Node].Inputs[0]] = mu;
            }

            if (Role(WeightRole.FfnIn) is LinearWeight fin && Role(WeightRole.FfnOut) is LinearWeight fout && Affine(fin) is (float[] g, float[] fb))
            {
                (double[] mu, double[] var) = Propagate(inits[fin.Initializer], fin.Bias is string b ? inits[b] : null, fb, g);
                result[nodes[fout.Node].Inputs[0]] = [.. mu.Select((m, j) => GeluMean(m, var[j]))];
            }
        }

        return result;
    }

    /// <summary><c>E[hΦ(h)]</c> for <c>h ~ N(μ, σ²)</c>.</summary>
    public static double GeluMean(double mu, double variance)
    {
        double s = Math.Sqrt(1 + variance), t = mu / s;
        return (mu * NormalCdf(t)) + (variance / s * Math.Exp(-0.5 * t * t) / Math.Sqrt(2 * Math.PI));
    }

    private static double NormalCdf(double x) => 0.5 * (1 + Erf(x / Math.Sqrt(2)));

    private static double Erf(double x)
    {
        // Abramowitz & Stegun 7.1.26, |error| < 1.5e-7.
        double t = 1 / (1 + (0.3275911 * Math.Abs(x)));
        double poly = ((((((((1.061405429 * t) - 1.453152027) * t) + 1.421413741) * t) - 0.284496736) * t) + 0.254829592) * t;
        double y = 1 - (poly * Math.Exp(-x * x));
        return x >= 0 ? y : -y;
    }

    /// <summary><c>μ = β·W + b</c> and, with γ, <c>σ²_j = Σ_i γ_i² W[i, j]²</c> for <c>W[K, N]</c>.</summary>
    private static (double[] Mean, double[] Variance) Propagate(OnnxTensor w, OnnxTensor? bias, float[] beta, float[]? gamma)
    {
        int k = (int)w.Dims[0], n = (int)w.Dims[1];
        ReadOnlySpan<float> wv = w.AsSpan<float>();
        var mu = new double[n];
        var var = new double[n];
        if (bias is not null && bias.ElementCount == n && bias.ElementType == TensorElementType.Float)
        {
            ReadOnlySpan<float> b = bias.AsSpan<float>();
            for (int j = 0; j < n; j++)
            {
                mu[j] = b[j];
            }
        }

        for (int i = 0; i < k; i++)
        {
            double g2 = gamma is null ? 0 : (double)gamma[i] * gamma[i];
            for (int j = 0; j < n; j++)
            {
                double x = wv[(i * n) + j];
                mu[j] += beta[i] * x;
                var[j] += g2 * x * x;
            }
        }

        return (mu, var);
    }
}
