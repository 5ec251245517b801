using System.Globalization;

namespace Pipelines.Transforms.Topology.Data;

/// <summary>A point cloud in memory: <see cref="Count"/> points of <see cref="Dimension"/> coordinates, row-major.</summary>
/// <param name="Coordinates">Row-major <c>(Count, Dimension)</c> coordinates.</param>
/// <param name="Dimension">Coordinates per point.</param>
public sealed record PointCloud(float[] Coordinates, int Dimension)
{
    /// <summary>Gets the number of points.</summary>
    public int Count => Coordinates.Length / Dimension;
}

/// <summary>The one reader of point files: a single cloud, or labelled clouds grouped from consecutive rows.</summary>
public static class PointCloudReader
{
    private static readonly char[] s_separators = [',', ' ', '\t'];

    /// <summary>
    /// Reads one point per line, coordinates separated by commas, spaces or tabs; blank lines and lines starting with
    /// <c>#</c> are skipped. Every point must have the same number of coordinates.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <returns>The cloud (dimension 1 when the file holds no point).</returns>
    /// <exception cref="DataFormatException">A point of another dimension or a coordinate that is not a number (file and line named).</exception>
    public static PointCloud Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var values = new List<float>();
        int dim = -1;
        int lineNo = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            string[] parts = line.Split(s_separators, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || parts[0].StartsWith('#'))
            {
                continue;
            }

            if (dim >= 0 && parts.Length != dim)
            {
                throw new DataFormatException(path, lineNo, $"{parts.Length} coordinates, expected {dim}.");
            }

            dim = parts.Length;
            AddCoordinates(parts, parts.Length, values, path, lineNo);
        }

        return new PointCloud([.. values], Math.Max(dim, 1));
    }

    /// <summary>
    /// Reads a CSV of points <c>x1,…,xd,label</c> (no header) and groups consecutive rows into clouds of
    /// <paramref name="pointsPerCloud"/> points with the same label (the GUDHI activities layout); a trailing partial
    /// cloud is dropped.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="pointsPerCloud">Rows per cloud.</param>
    /// <param name="dimension">Receives the point dimension d.</param>
    /// <returns>Flattened clouds with their labels.</returns>
    /// <exception cref="DataFormatException">The label changes inside a cloud, or a coordinate is not a number (file and line named).</exception>
    public static List<LabelledVector> ReadLabelledClouds(string path, int pointsPerCloud, out int dimension)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pointsPerCloud);
        var clouds = new List<LabelledVector>();
        var current = new List<float>();
        string? label = null;
        int count = 0;
        dimension = 0;
        int lineNo = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0)
            {
                continue;
            }

            string[] parts = line.Split(',', StringSplitOptions.TrimEntries);
            dimension = parts.Length - 1;
            if (label is not null && parts[^1] != label && count != 0)
            {
                throw new DataFormatException(path, lineNo, $"label changes inside a cloud of {pointsPerCloud} points.");
            }

            label = parts[^1];
            AddCoordinates(parts, dimension, current, path, lineNo);
            if (++count == pointsPerCloud)
            {
                clouds.Add(new LabelledVector([.. current], label));
                current.Clear();
                count = 0;
                label = null;
            }
        }

        return clouds;
    }

    private static void AddCoordinates(string[] parts, int count, List<float> destination, string path, int lineNo)
    {
        for (int k = 0; k < count; k++)
        {
            if (!float.TryParse(parts[k], NumberStyles.Float, CultureInfo.InvariantCulture, out float v))
            {
                throw new DataFormatException(path, lineNo, $"'{parts[k]}' is not a number.");
            }

            destination.Add(v);
        }
    }
}
