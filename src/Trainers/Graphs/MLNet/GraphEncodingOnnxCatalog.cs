using Microsoft.ML;
using Pipelines.Trainers.Graphs;
using Pipelines.Trainers.Graphs.MLNet;
using Pipelines.Transforms.Graphs.MLNet;

namespace Pipelines;

/// <summary>Catalog entries of the ONNX-backed (saveable) fixed graph encodings.</summary>
public static class GraphEncodingOnnxCatalog
{
    /// <summary>
    /// Appends a fixed LapPE, RWSE or SPE encoding (SPE with the given φ/ρ) of a graph column, pooled or per node, as an
    /// ONNX-backed chain that <c>mlContext.Model.Save</c>/<c>Load</c> carry; feed it to any ML.NET trainer.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">Columns, encoding, readout and (for SPE) φ/ρ parameters.</param>
    public static GraphEncodingOnnxEstimator GraphEncodingOnnx(this TransformsCatalog catalog, GraphEncodingOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new GraphEncodingOnnxEstimator(new MLContext(), options);
    }

    /// <summary>
    /// The encoding of a trained graph model (LapPE, RWSE, or SPE with its trained φ/ρ) as an ONNX-backed chain.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="trained">A trained model, e.g. <see cref="GineTransformer.Model"/>.</param>
    /// <param name="outputColumnName">The float-vector output column.</param>
    /// <param name="inputColumnName">The graph column.</param>
    /// <param name="readout">Mean or sum over nodes, or all nodes.</param>
    /// <exception cref="ArgumentException">The model has no positional encoding.</exception>
    public static GraphEncodingOnnxEstimator GraphEncodingOnnx(this TransformsCatalog catalog, GraphModel trained, string outputColumnName, string inputColumnName = "Graph", GraphEncodingReadout readout = GraphEncodingReadout.Mean)
    {
        ArgumentNullException.ThrowIfNull(trained);
        return catalog.GraphEncodingOnnx(new GraphEncodingOptions(inputColumnName, outputColumnName, trained.Definition.Encoding, readout, trained.Spe));
    }
}
