# localdb cipher placeholder
