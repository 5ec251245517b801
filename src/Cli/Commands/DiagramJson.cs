using System.Text.Json;

namespace Pipelines.Cli.Commands;

/// <summary>Reads one degree of a diagram written by <c>pipelines topo persistence --json</c> as [b₀, d₀, b₁, d₁, …] (null death = +∞).</summary>
internal static class DiagramJson
{
    public static float[] Read(string path, int degree)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            if (!doc.RootElement.TryGetProperty("diagram", out JsonElement degrees) || degrees.ValueKind != JsonValueKind.Array)
            {
                throw new DataFormatException(path, "no 'diagram' array: expected the output of 'topo persistence --json'.");
            }

            foreach (JsonElement d in degrees.EnumerateArray())
            {
                if (d.GetProperty("degree").GetInt32() != degree)
                {
                    continue;
                }

                var values = new List<float>();
                foreach (JsonElement pair in d.GetProperty("pairs").EnumerateArray())
                {
                    values.Add(pair[0].GetSingle());
                    values.Add(pair[1].ValueKind == JsonValueKind.Null ? float.PositiveInfinity : pair[1].GetSingle());
                }

                return [.. values];
            }

            throw new DataFormatException(path, $"no degree {degree} in the diagram (was it computed with --maxdim ≥ {degree}?).");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or FormatException)
        {
            throw new DataFormatException(path, 0, $"not a 'topo persistence --json' diagram: {e.Message}", innerException: e);
        }
    }
}
