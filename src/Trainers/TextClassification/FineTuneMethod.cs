namespace Pipelines.Trainers.TextClassification;

/// <summary>Which parameters are trained and how adapters start.</summary>
public enum FineTuneMethod
{
    /// <summary>LoRA (Hu et al. 2021): A Kaiming-uniform, B = 0; base frozen.</summary>
    Lora,

    /// <summary>PiSSA (Meng et al. 2024): top-r singular triplets of W in the adapter, the residual frozen.</summary>
    Pissa,

    /// <summary>MiLoRA (Wang et al. 2024): the r smallest singular triplets in the adapter.</summary>
    MiLora,

    /// <summary>OLoRA (Büyükakyüz 2024): thin QR of W.</summary>
    OLora,

    /// <summary>EVA (Paischer et al. 2024): A from the right singular vectors of the targets' input activations, B = 0.</summary>
    Eva,

    /// <summary>
    /// LoRA-GA (Wang et al. 2024), the paper's / original repository's variant: A, B from the SVD of the averaged
    /// full-weight gradient (ArB2r, no singular values in B), <c>stable</c> scale m^{1/4}/√γ on both, W ← W − s·B·A.
    /// </summary>
    LoraGa,

    /// <summary>Full fine-tuning: every float initializer of the encoder and the head is trained.</summary>
    Full,
}
