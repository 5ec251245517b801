namespace Pipelines.Trainers;

/// <summary>
/// Which forward activations the train step keeps for its backward pass (Chen et al. 2016, "Training Deep Nets with
/// Sublinear Memory Cost"): all of them, or only each transformer block's input, recomputing the block's forward inside
/// the backward pass.
/// </summary>
public enum ActivationCheckpointing
{
    /// <summary>Every activation the backward pass reads is kept from the forward pass (fastest, most memory).</summary>
    None,

    /// <summary>
    /// Per transformer block: the forward nodes of block <c>i</c> (the span of nodes reading the initializers named
    /// <c>…layer.i.…</c>, <c>…layers.i.…</c>, <c>…h.i.…</c> or <c>…block.i.…</c>) run again in the backward pass, after the
    /// gradient of the block's output has arrived, and the backward reads their recomputed values; the forward pass keeps
    /// only what leaves a block. Activation memory goes from all blocks' intermediates <c>[B, T, ·]</c> to one block's plus
    /// the block inputs, for about one more forward pass of time. Gradients are the same (the recomputation repeats the
    /// same kernels on the same inputs). A block with a random op (Dropout, Random*) is left as it is.
    /// </summary>
    TransformerBlocks,
}
