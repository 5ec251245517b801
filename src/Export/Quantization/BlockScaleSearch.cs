namespace Pipelines.Export.Quantization;

/// <summary>How the scale and zero point of each 4-bit block are chosen (the stored format is the same for all).</summary>
public enum BlockScaleSearch
{
    /// <summary>
    /// Round-to-nearest over the block's range: asymmetric <c>scale = (max − min)/(2^bits − 1)</c>, <c>zp = round(−min/scale)</c>;
    /// symmetric <c>scale = m / −2^(bits−1)</c> with m the value of largest magnitude.
    /// </summary>
    MinMax,

    /// <summary>
    /// Also try the range shrunk on both sides by the same factors (<see cref="BlockQuantizer.ClipRatios"/>), keep the least
    /// squared error, then refine the scale by least squares with the codes and zero point fixed.
    /// </summary>
    Clip,

    /// <summary>
    /// Minimum squared reconstruction error (RTN with search, as llama.cpp-style quantizers do): a grid over the lower and the
    /// upper clip of the range independently (asymmetric) or over the clip of the largest magnitude mapped to either end of the
    /// code range (symmetric), then alternating least squares — with the codes fixed, fit <c>w ≈ scale·q + offset</c>, round the
    /// zero point <c>−offset/scale</c> to a code, refit the scale, re-round the codes — keeping each step only if it lowers the
    /// error. Never worse than <see cref="MinMax"/> or <see cref="Clip"/> (both are among its candidates).
    /// </summary>
    Mse,

    /// <summary>
    /// Half-quadratic quantization (HQQ, Badri &amp; Shaji 2023), no data needed: minimise the sparsity-promoting
    /// <c>‖w − (q − zp)·scale‖_p^p</c> (p &lt; 1) by splitting off the error <c>e</c> and alternating the shrinkage
    /// <c>e ← sign(r)·max(|r| − |r|^(p−1)/β, 0)</c> of the residual r (in code units) with the closed-form zero point
    /// <c>zp ← mean(q − (w/scale − e))</c> and the scale <c>scale ← Σ(w − e·scale)(q − zp) / Σ(q − zp)²</c>, β growing by κ per
    /// iteration (<see cref="HqqParameters"/>). The zero point is rounded to a code each step (the stored format keeps integer
    /// zero points). Started from the <see cref="Mse"/> result (the paper starts from min-max) and kept only where it lowers the
    /// squared error, so never worse than <see cref="Mse"/>; on all-MiniLM-L6-v2 it raises the embedding cosine slightly.
    /// </summary>
    Hqq,
}
