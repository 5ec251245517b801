namespace Pipelines.Transforms.LowRank;

/// <summary>
/// How the adapter factors A (in×r) and B (r×out) are initialised for a target weight: the one method vocabulary from
/// <c>lora init</c> (<see cref="LowRankInitializer"/>) to <c>lora train</c> (fine-tuning) and the model-folder manifest.
/// <see cref="LoraGa"/> needs the task's gradients and <see cref="Full"/> has no adapters, so both are fine-tuning
/// methods only. Command-line names: <see cref="LowRankMethods"/>.
/// </summary>
public enum LowRankMethod
{
    /// <summary>LoRA (Hu et al. 2021): A Kaiming-uniform (bound 1/√in, as peft), B = 0; the base weight is untouched.</summary>
    Lora,

    /// <summary>PiSSA (Meng et al. 2024): exact SVD, the top-r triplets split as √(σ/s) into A and B; W_res = W − s·A·B.</summary>
    Pissa,

    /// <summary>PiSSA with a randomized SVD (peft's <c>pissa_niter_K</c>): power iterations, oversampling, a seed.</summary>
    PissaFast,

    /// <summary>MiLoRA (Wang et al. 2024): exact SVD, the r smallest triplets; W_res = W − s·A·B.</summary>
    MiLora,

    /// <summary>OLoRA (Büyükakyüz 2024): thin QR of the nn.Linear weight, B = Q[:, :r], A = R[:r, :] (not divided by s).</summary>
    OLora,

    /// <summary>
    /// EVA (Paischer et al. 2024): A = top right-singular vectors of the target's input activations over calibration
    /// batches (incremental SVD), B = 0, ranks redistributed by explained variance; the base weight is untouched.
    /// </summary>
    Eva,

    /// <summary>
    /// LoRA-GA (Wang et al. 2024): factors from the SVD of the averaged task gradient over calibration batches, so the
    /// first step follows full fine-tuning's; needs labelled data, so it is available in fine-tuning only.
    /// </summary>
    LoraGa,

    /// <summary>No adapters: every float weight of the encoder is trained (fine-tuning only).</summary>
    Full,

    /// <summary>
    /// Orthogonal init (peft's <c>init_lora_weights="orthogonal"</c>): Q = qr(G) of a seeded r×r Gaussian G (r even);
    /// A = G_A·Q[0::2]/10 (in×r), B = Q[1::2]ᵀ·G_Bᵀ/10 (r×out) with Gaussian G_A (in×r/2), G_B (out×r/2). The even and odd
    /// rows of Q are orthonormal to each other, so A·B = 0: both factors are non-zero yet the output is unchanged and the
    /// base weight is untouched.
    /// </summary>
    Orthogonal,

    /// <summary>
    /// CorDA, knowledge-preserved mode (Yang et al. 2024; peft <c>corda_method="kpm"</c>): C = mean XᵀX (in×in) of the
    /// target's inputs over calibration batches, damped; SVD of W·C = U·S·Vhᵀ, V = (Vh·C⁻¹)ᵀ; the adapter takes the r
    /// <em>smallest</em> triplets (the directions the calibration context uses least), W_res = W − s·A·B keeps the rest.
    /// </summary>
    CordaKpm,

    /// <summary>CorDA, instruction-previewed mode (peft <c>corda_method="ipm"</c>): as <see cref="CordaKpm"/> with the r largest triplets.</summary>
    CordaIpm,

    /// <summary>
    /// LoftQ (Li et al. 2023; peft <c>init_lora_weights="loftq"</c>): alternately Q = deq(quant(W − s·A·B)) and
    /// (A, B) = rank-r SVD of W − Q, T times, starting from quant(W); the base becomes Q and W ≈ Q + s·A·B, so the
    /// output is not preserved exactly (the adapters absorb most of the quantization error). The quantizer comes from
    /// <see cref="LoftQOptions"/>.
    /// </summary>
    LoftQ,
}
