using Microsoft.ML;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.MLNet;

namespace Pipelines;

/// <summary>Catalog extensions for graph encodings (<c>mlContext.Transforms.GraphEncoding(...)</c>).</summary>
public static class GraphCatalog
{
    /// <summary>
    /// Appends a fixed LapPE/RWSE/SPE encoding of a graph column, pooled to a fixed-size vector (or per node), for use
    /// with any ML.NET trainer.
    /// </summary>
    public static GraphEncodingEstimator GraphEncoding(this TransformsCatalog catalog, GraphEncodingOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        GraphDataViewType.Register();
        return new GraphEncodingEstimator(options);
    }

    /// <summary>Flat overload: <paramref name="encoding"/> of <paramref name="inputColumnName"/>, mean-pooled.</summary>
    public static GraphEncodingEstimator GraphEncoding(this TransformsCatalog catalog, string outputColumnName, string inputColumnName, GraphEncoding encoding) =>
        catalog.GraphEncoding(new GraphEncodingOptions(inputColumnName, outputColumnName, encoding));
}
